"""The Assistant: the public entry point that wires corpus, index, retrieval and answers."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from . import inputs, opening
from ._offline import go_offline
from .answer import evidence, whole_articles
from .answer.citing import located
from .answer.plan import Plan, make_plan
from .answer.timeline import Timeline
from .answer.writer import AnswerWriter, ExtractiveWriter
from .embed.embedding import Embedder, SentenceTransformerEmbedder
from .errors import AssistantError, IndexWriteError, InputError
from .ingest.corpus import load_corpus
from .questions import clean_question, not_searched, prepare_question
from .records import Answer, Passage, Turn
from .retrieval import HybridRetriever
from .settings import Settings, as_path, default_index_dir
from .store import location, stamps
from .store.files import build_running
from .store.folder import check_writable
from .store.protocol import SyncReport, is_database

if TYPE_CHECKING:
    from langchain_core.retrievers import BaseRetriever

logger = logging.getLogger(__name__)


SEARCH_MODES = ("hybrid", "dense", "lexical", "rerank")


class Assistant:
    """Question answering over a folder of articles, with citations.

    Args:
        corpus_dir: folder of .txt/.md/.html/.pdf/.docx articles (default: the shipped `corpus/`).
        index_dir: where the index is kept (default: the shipped `index/` for the shipped corpus; for
            another corpus, a folder of its own under the cache folder, `settings.index_for`).
        store: a database to keep the index in instead, `postgresql://…[?index=NAME]` (default: the
            ASSISTANT_STORE environment variable, else the index folder); many servers can share it.
        settings: everything else; `corpus_dir`/`index_dir` override its paths.
        embedder: a ready embedder (tests pass a fake); default: the settings' model.
        writer: how answers are written; default: extractive.
        reranker: scores question-sentence pairs (e.g. a cross-encoder); default: the embedding model.

    Construction is cheap: the index is opened (and built or updated if the corpus changed)
    on first use, and the model loads then too. An index that cannot be updated (a read-only
    folder, a full disk) is read as it is, with a warning (`last_sync.failed` says why).
    """

    def __init__(
        self,
        corpus_dir: str | Path | None = None,
        index_dir: str | Path | None = None,
        *,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        writer: AnswerWriter | None = None,
        reranker: evidence.Reranker | None = None,
        store: str | None = None,
    ) -> None:
        go_offline()
        if settings is not None and not isinstance(settings, Settings):
            raise InputError(f"settings must be assistant.Settings(…), not {type(settings).__name__}")
        settings = settings or Settings()
        changes: dict[str, Any] = {}
        if corpus_dir is not None:
            changes["corpus_dir"] = as_path(corpus_dir, "corpus_dir")
            if index_dir is None and settings.index_dir == default_index_dir():  # no index named: the corpus's own
                changes["index_dir"] = default_index_dir(changes["corpus_dir"])
        if index_dir is not None:
            changes["index_dir"] = as_path(index_dir, "index_dir")
        if store is not None:
            changes["store"] = store
        self.settings = dataclasses.replace(settings, **changes)
        if self.settings.store is not None and not is_database(self.settings.store):
            raise AssistantError(f"a store is a database address, postgresql://…; not {self.settings.store!r}")
        self._embedder = embedder
        self.writer: AnswerWriter = writer or ExtractiveWriter()
        self.reranker = reranker
        self._retriever: HybridRetriever | None = None
        self._lock = threading.RLock()
        self.last_sync: SyncReport | None = None
        self._stale: str | None = None  # why the index answered from may be out of step with the corpus
        self._metadata: tuple[HybridRetriever | None, dict[str, dict[str, str | None]]] = (None, {})

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = SentenceTransformerEmbedder(self.settings.model, workers=self.settings.workers)
        return self._embedder

    def index(
        self,
        rebuild: bool = False,
        progress: Callable[[int, int], None] | None = None,
        reading: Callable[[int, int], None] | None = None,
        *,
        replace: bool = False,
        _folder: str | None = None,  # the folder's stamp digest, when `update()` has just taken it
    ) -> SyncReport:
        """Build or update the index from the corpus folder; embeds only what changed. `reading` gets
        (files read, files) while the folder is read, `progress` (word pieces embedded, to embed).

        Raises UnsafeFolderError, before anything is read or written, when the index folder holds
        files the assistant did not write or overlaps the corpus folder; IndexReplaceError, before
        anything is written, when the corpus folder would remove most of the articles an existing index
        holds (more than half, and at least 5: a mistyped folder?) unless `replace`; `rebuild` only
        re-embeds, it is no consent. IndexWriteError, leaving the previous index as it was, when the
        index needs writing but cannot be (read-only, disk full).
        """
        s = self.settings
        folder = None
        if s.store is None:
            check_writable(s.index_dir, s.corpus_dir)
            folder = stamps.files(s.corpus_dir, s.follow_links) if _folder is None else _folder
        report = load_corpus(s.corpus_dir, s.follow_links, reading).with_articles()
        result = location.sync(s.store, s.index_dir, report.articles, self.embedder, s.chunking, s.index_type,
                               rebuild=rebuild, replace=replace, progress=progress,
                               corpus_dir=s.corpus_dir)  # fmt: skip
        result.skipped, result.passed_over = report.skipped, report.passed_over
        if folder is not None:  # the next question need not read the folder while it stays as it is
            stamps.record(s.index_dir, folder, self._built_with())
        with self._lock:
            if result.written:
                self._retriever = None
            self.last_sync = result
        if result.written:  # the model is loaded anyway: the one moment to export it for fast questions
            self.prepare_fast_queries()
        return result

    def update(
        self, progress: Callable[[int, int], None] | None = None, reading: Callable[[int, int], None] | None = None
    ) -> SyncReport:
        """Bring the index up to date before reading it: `index()`, except that an index that cannot be
        written (a read-only folder, a full disk) is left as it is; the report's `failed` says why.

        An index in a database is shared: once it exists, only `index()` (`assistant index`) changes
        it, so that servers reading it never re-index it each with its own corpus folder.
        """
        try:
            if location.built_in_database(self.settings.store):
                with self._lock:
                    self.last_sync = SyncReport()
                return self.last_sync
            s = self.settings
            if s.store is None and build_running(s.index_dir):
                raise IndexWriteError("another `assistant index` is writing it")  # answer now from the index as it is
            folder = stamps.files(s.corpus_dir, s.follow_links) if s.store is None else None
            if folder is not None and stamps.unchanged(s.index_dir, folder, self._built_with()):
                with self._lock:  # no file changed since the index was last brought up to date: nothing to read
                    self.last_sync = SyncReport()
                return self.last_sync
            return self.index(progress=progress, reading=reading, _folder=folder)
        except IndexWriteError as exc:
            report = SyncReport(failed=str(exc))
            with self._lock:
                self.last_sync = report
            return report

    def _built_with(self) -> str:  # what decides the index's content besides the files, for `stamps`
        model = self._embedder.name if self._embedder is not None else self.settings.model  # not loaded for this
        return repr((model, self.settings.chunking, self.settings.index_type))

    def prepare_fast_queries(self) -> bool:
        """Export the embedding model for ONNX Runtime, once per model (a few seconds); True if in use.

        Questions are then embedded three to four times faster and without importing torch. Building
        an index and starting the chat do this; a programmer may call it at start-up.
        """
        prepare = getattr(self.embedder, "prepare_fast_queries", None)
        return bool(prepare()) if prepare is not None else False

    def _ready(self) -> HybridRetriever:
        retriever = self._retriever
        if retriever is not None and not retriever.data.superseded():
            return retriever
        with self._lock:  # one thread opens (and if need be builds) the index; the others wait
            if self._retriever is None or self._retriever is retriever:
                self._retriever = self._open()
            return self._retriever

    def _open(self) -> HybridRetriever:
        synced = self.settings.corpus_dir.is_dir() and self.last_sync is None
        if synced:
            self.update()
        failed = self.last_sync.failed if self.last_sync is not None else None
        data = opening.open_checked(self.settings, failed, lambda: self.index(rebuild=True))
        opening.check_model(data, self.embedder.name, failed)
        if failed and synced:
            logger.warning("%s; using the index as it is", failed)
        self._stale = opening.stale_notice(self.settings, failed)
        return HybridRetriever(data, self.embedder, self.settings.fusion)

    @property
    def sources(self) -> dict[str, dict[str, str | None]]:
        """Every indexed article's metadata, by source file name (read once per index opened: a server asks
        for it with every answer, and a database store reads every article to give it)."""
        retriever = self._ready()
        opened, metadata = self._metadata
        if opened is not retriever:
            metadata = {s: a.metadata() for s, a in retriever.data.articles.items()}
            self._metadata = (retriever, metadata)
        return dict(metadata)

    def ping(self) -> int:
        """How many articles the index holds, once its store has answered: what a server's health check
        asks, without running a question (an index folder is in memory; a database gets one `SELECT 1`).

        Raises:
            StoreUnavailable: the database cannot be reached now (said at once for a few seconds after
                it was found down).
            IndexStateError: the index cannot be opened.
        """
        data = self._ready().data
        data.ping()
        return len(data.articles)

    @opening.on_current_generation
    def search(
        self, query: str, k: int = 10, *, sources: Collection[str] | None = None, mode: str = "hybrid"
    ) -> list[Passage]:
        """The k passages that best match `query`, best first.

        Args:
            query: what to look for.
            k: how many passages.
            sources: only search these articles (file names).
            mode: "hybrid" (default), "dense", "lexical", or "rerank": hybrid candidates reordered
                by their best sentence's answer score (the reranker's, when one is given).
        """
        if mode not in SEARCH_MODES:
            raise InputError(f"unknown search mode {mode!r}; one of: {', '.join(SEARCH_MODES)}")
        query = clean_question(inputs.question(query))
        k = inputs.positive_k(k)
        retriever = self._ready()
        sources, notices = inputs.article_filter(sources, retriever.data.articles)
        for notice in notices:  # a list of passages has no room for notices: the log says it
            logger.warning("%s", notice)
        if mode != "rerank":
            return retriever.search(query, k, sources, mode)
        pool = retriever.search(query, max(k, self.settings.answer_passages), sources, "hybrid")
        plan, vector = make_plan(query, retriever.data), retriever.embedder.embed_query(query)
        return evidence.rerank(plan, vector, pool, retriever.data, k, self.reranker)

    @opening.on_current_generation
    def ask(
        self,
        question: str,
        history: Sequence[Turn | Mapping[str, str]] = (),
        *,
        sources: Collection[str] | None = None,
    ) -> Answer:
        """Answer `question` from the articles, with `[n]` citations, or say they do not cover it.

        Args:
            question: the user's question.
            history: earlier turns of the conversation, oldest first: `Turn`s or {"role", "content"} mappings.
            sources: only use these articles (file names).
        """
        question, notices = prepare_question(inputs.question(question))
        history = inputs.turns(history)
        opening_at = time.perf_counter()
        retriever = self._ready()  # the first question opens the index (the CLI's every question does)
        t0 = time.perf_counter()
        sources, filter_notices = inputs.article_filter(sources, retriever.data.articles)
        notices += filter_notices + ([self._stale] if self._stale else [])
        unsearched = not_searched(question, history, retriever.data.scripts)
        if unsearched is not None:
            timings = {"open_s": t0 - opening_at, "retrieval_s": 0.0, "answer_s": time.perf_counter() - t0}
            return Answer(unsearched, True, question=question, timings=timings, notices=notices)
        plan = make_plan(question, retriever.data, history, sources)
        whole = whole_articles.answer(retriever.data, self._search, retriever.embedder.embed_query, plan)
        if whole is not None:
            t1 = time.perf_counter()
            answer = whole
        else:
            found = self._gather(plan)
            t1 = time.perf_counter()
            answer = self.writer.write(found)
        t2 = time.perf_counter()
        timings = {"open_s": t0 - opening_at, "retrieval_s": t1 - t0, "answer_s": t2 - t1}
        if sources is not None and answer.abstained:  # not found in the articles searched, which are not all
            notices.append(inputs.searched_only(sources, retriever.data.articles))
        citations = located(answer.citations, retriever.data.articles)
        return dataclasses.replace(answer, question=question, timings=timings, notices=notices + answer.notices,
                                   citations=citations)  # fmt: skip

    @opening.on_current_generation
    def summarize(self, source: str | None = None, query: str | None = None, sentences: int | None = None) -> Answer:
        """The central sentences of one article, of the passages about `query`, or of every article,
        in the order the articles give them; each verbatim and cited.

        Args:
            source: one article's file name (None: every article, or those `query` finds).
            query: a topic: the sentences closest to it, from the passages that best match it.
            sentences: how many sentences (None: about a fifth of those it draws on, 6 to 10).
        """
        retriever = self._ready()
        source = inputs.one_source(source)
        chosen, _ = inputs.article_filter(None if source is None else [source], retriever.data.articles)
        k = None if sentences is None else inputs.positive_k(sentences, "sentences")
        query = None if query is None else inputs.question(query)
        made = whole_articles.summary(retriever.data, self._search, retriever.embedder.embed_query, query, chosen, k)
        return dataclasses.replace(made, citations=located(made.citations, retriever.data.articles))

    @opening.on_current_generation
    def timeline(self, query: str | None = None, *, sources: Collection[str] | None = None) -> Timeline:
        """Dated events the articles state, in date order, each sentence verbatim and cited.

        Args:
            query: only events in the passages that best match it (None: every article's events).
            sources: only these articles (file names).
        """
        retriever = self._ready()
        chosen, _ = inputs.article_filter(sources, retriever.data.articles)
        query = None if query is None else inputs.question(query)
        made = whole_articles.timeline_of(retriever.data, self._search, query, chosen)
        return made.located(retriever.data.articles)

    def _search(self, query: str, k: int, sources: Collection[str] | None) -> list[Passage]:
        return self.search(query, k=k, sources=sources)

    def _evidence(self, question: str, history: Sequence[Turn], sources: Collection[str] | None) -> evidence.Evidence:
        """The question's plan, then the evidence it needs: passages and scored sentences."""
        retriever = self._ready()
        return self._gather(make_plan(question, retriever.data, history, sources))

    def _gather(self, plan: Plan) -> evidence.Evidence:
        """Passages and scored sentences for one plan: retrieval runs once."""
        retriever = self._ready()
        passages = retriever.search(plan.query, self.settings.answer_passages, plan.sources)
        vector = retriever.embedder.embed_query(plan.query)
        candidates = evidence.collect(plan, vector, passages, retriever.data, reranker=self.reranker)
        return evidence.Evidence(plan, passages, candidates)

    def __reduce__(self) -> NoReturn:
        raise TypeError(
            "an Assistant holds an open index, a model and locks: it cannot be pickled or copied; "
            "make one in each process from its folders, Assistant(corpus_dir, index_dir)"
        )

    def as_retriever(self, k: int = 4, *, sources: Collection[str] | None = None) -> BaseRetriever:
        """A LangChain retriever over this assistant's hybrid search: `k` passages a query, from `sources`
        only if given (`retriever.invoke(query, k=2)` overrides k for one call)."""
        from .langchain import AssistantRetriever

        k = inputs.positive_k(k)
        if sources is not None:
            sources = inputs.article_filter(sources, self._ready().data.articles)[0]
        return AssistantRetriever(assistant=self, k=k, sources=sources)

    def article_text(self, source: str) -> str:
        """The cleaned text of the article `source`, as indexed: every passage's and citation's `start`/`end`
        are offsets into it (`article_text(p.source)[p.start:p.end] == p.text`)."""
        articles = self._ready().data.articles
        article = articles.get(inputs.in_folder(inputs.one_source(source) or "", articles))
        if article is None:
            raise InputError(f"no indexed article is called {source!r}")
        return article.text
