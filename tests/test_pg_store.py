"""The index in PostgreSQL (a real server, started by the pgserver wheel): the same rows, searches and
answers as the index folder; incremental, transactional syncs; killed and concurrent indexers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant import Assistant
from assistant.embed.embedding import HashingEmbedder, SentenceTransformerEmbedder
from assistant.errors import IndexStateError
from assistant.ingest.corpus import load_corpus
from assistant.store.files import open_index
from assistant.store.files_sync import sync
from assistant.store.postgres_rows import RemoteSentences

from .conftest import CORPUS, ROOT, TINY_ARTICLES

pytestmark = pytest.mark.postgres

pg_store = pytest.importorskip("assistant.store.postgres")
pg_sync = pytest.importorskip("assistant.store.postgres_sync")

NEW_ARTICLE = "Glaciers in the Alps lost ten percent of their volume during the summers of 2022 and 2023."
QUERIES = ["solar power plant megawatts", "night train tickets in euros", "bee colonies lost in winter 2020"]


def _schemas(url: str) -> list[str]:
    conninfo, name = pg_store.parse_location(url)
    with pg_store.connect(conninfo) as conn:
        sql = "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s ORDER BY 1"
        return [r[0] for r in conn.execute(sql, (f"assistant_{name}_g%",))]


def _same(got: list[tuple[int, float]], want: list[tuple[int, float]]) -> None:
    """The same rows in the same order, with the same scores (to float32 precision)."""
    assert [r for r, _ in got] == [r for r, _ in want]
    assert [s for _, s in got] == pytest.approx([s for _, s in want], rel=1e-5)


def test_same_rows_and_searches_as_the_index_folder_and_incremental(
    tiny_corpus: Path, tmp_path: Path, pg_url: str
) -> None:
    embedder = HashingEmbedder()
    articles = load_corpus(tiny_corpus).articles
    first = pg_sync.sync(articles, pg_url, embedder)
    assert first.written and first.rebuilt == "no index yet"
    assert not pg_sync.sync(articles, pg_url, embedder).written  # nothing changed: nothing written
    sync(articles, tmp_path / "index", embedder)
    db, folder = pg_store.open_index(pg_url), open_index(tmp_path / "index")
    assert list(db.chunks) == folder.chunks and list(db.sentences) == folder.sentences
    assert db.chunks_at([2, 0]) == [folder.chunks[2], folder.chunks[0]] and db.chunks[-1] == folder.chunks[-1]
    assert db.chunk_rows == folder.chunk_rows
    assert list(db.articles.items()) == list(folder.articles.items())
    for query in QUERIES:
        vector = embedder.embed_query(query)
        _same(db.dense_search(vector, 5), folder.dense_search(vector, 5))
        _same(db.lexical_search(query, 5), folder.lexical_search(query, 5))
        _same(db.lexical_search(query, 5, {"bees.md"}), folder.lexical_search(query, 5, {"bees.md"}))
        _same(db.dense_search(vector, 5, {"rail.html"}), folder.dense_search(vector, 5, {"rail.html"}))
        assert db.similarities(vector, [0, 2]) == pytest.approx(folder.similarities(vector, [0, 2]))
    terms = ["bee", "solar", "never-seen"]
    assert db.lexical.idf(terms) == pytest.approx(folder.lexical.idf(terms))
    assert db.sentence_vectors is not None and folder.sentence_vectors is not None
    assert np.array_equal(db.sentence_vectors[[3, 0, 1]], folder.sentence_vectors[[3, 0, 1]])

    (tiny_corpus / "glaciers.txt").write_text(NEW_ARTICLE)
    (tiny_corpus / "rail.html").unlink()
    report = pg_sync.sync(load_corpus(tiny_corpus).articles, pg_url, embedder)
    assert report.added == ["glaciers.txt"] and report.removed == ["rail.html"]
    assert report.embedded_chunks == 1  # only the new article's chunk; the others' vectors are copied in the database
    newer = pg_store.open_index(pg_url)
    assert newer.generation > db.generation
    assert {c.source for c in newer.chunks} == {"solar.txt", "bees.md", "glaciers.txt"}
    assert db.lexical_search("solar", 3)  # readers on the previous generation keep working


def test_a_whole_collection_question_reads_the_sentences_table_once(tiny_corpus: Path, pg_url: str) -> None:
    """An overview, a summary or "which articles mention" reads every sentence: on PostgreSQL that was a
    table scan per question (an overview of 40 Valgrind pages: 2.5 s against the folder's 0.13 s). A
    generation's rows never change, so once all are held, they are read from memory."""
    pg_sync.sync(load_corpus(tiny_corpus).articles, pg_url, HashingEmbedder())
    db = pg_store.open_index(pg_url)
    counted = Counted(db)
    sentences = RemoteSentences(counted, len(db.sentences))
    first = list(sentences)
    assert counted.asked and first == list(db.sentences)
    counted.asked.clear()
    assert list(sentences) == first and sentences[1] == first[1]
    assert counted.asked == []


class Counted:
    """A generation's queries, counted."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.asked: list[str] = []

    def query(self, sql: str, params: Any = None, binary: bool = False) -> list[Any]:
        self.asked.append(sql)
        return self.db.query(sql, params, binary)


def test_settings_change_rebuilds_and_another_model_is_refused(tiny_corpus: Path, pg_url: str) -> None:
    articles = load_corpus(tiny_corpus).articles
    pg_sync.sync(articles, pg_url, HashingEmbedder())
    report = pg_sync.sync(articles, pg_url, HashingEmbedder(dim=32, name="other"))
    assert report.written and report.rebuilt and "model settings changed" in report.rebuilt
    bot = Assistant(corpus_dir=tiny_corpus, store=pg_url, embedder=HashingEmbedder())
    with pytest.raises(IndexStateError, match="built with 'other'"):
        bot.search("solar", k=1)  # a shared index is not re-indexed by a reader: it says what to run
    assert bot.index().rebuilt and bot.search("solar", k=1)
    assert pg_store.open_index(pg_url).model == "hashing-test"


def test_readers_do_not_re_index_a_shared_index(tiny_corpus: Path, pg_url: str) -> None:
    articles = load_corpus(tiny_corpus).articles
    pg_sync.sync(articles, pg_url, HashingEmbedder())
    (tiny_corpus / "glaciers.txt").write_text(NEW_ARTICLE)
    reader = Assistant(corpus_dir=tiny_corpus, store=pg_url, embedder=HashingEmbedder())
    assert "glaciers.txt" not in reader.sources  # read as it is, until `assistant index` updates it
    assert Assistant(corpus_dir=tiny_corpus, store=pg_url, embedder=HashingEmbedder()).index().added == ["glaciers.txt"]
    data = reader._ready().data
    data._checked -= pg_store.REFRESH_S  # type: ignore[attr-defined]  # as if the refresh interval had passed
    assert "glaciers.txt" in reader.sources  # the reader moved to the new generation


def test_a_fresh_database_answers_its_first_search(tiny_corpus: Path, pg_server: str) -> None:
    """The first search on a database that had no pgvector yet: the pool's connections, made before
    the index created the extension, learn its types (found by a user's first question failing)."""
    conninfo, _ = pg_store.parse_location(pg_server)
    with pg_store.connect(conninfo) as conn:
        conn.autocommit = True
        conn.execute("DROP DATABASE IF EXISTS fresh")
        conn.execute("CREATE DATABASE fresh")
    from urllib.parse import urlsplit, urlunsplit

    url = pg_store.with_index_name(urlunsplit(urlsplit(conninfo)._replace(path="/fresh")), "first")
    assert not pg_store.exists(url)  # the pool is made here, before the extension exists
    bot = Assistant(corpus_dir=tiny_corpus, store=url, embedder=HashingEmbedder())
    assert [h.source for h in bot.search("solar power", k=1)] == ["solar.txt"]


def test_a_database_without_the_index_says_how_to_build_it(pg_url: str) -> None:
    with pytest.raises(IndexStateError, match="run: assistant index --store"):
        pg_store.open_index(pg_url)


def test_readers_see_the_old_generation_until_the_sync_commits(tiny_corpus: Path, pg_url: str) -> None:
    embedder = HashingEmbedder()
    pg_sync.sync(load_corpus(tiny_corpus).articles, pg_url, embedder)
    before = pg_store.open_index(pg_url)
    (tiny_corpus / "glaciers.txt").write_text(NEW_ARTICLE)
    paused, resume = threading.Event(), threading.Event()

    def fault(step: str) -> None:
        if step == "switched":  # everything written and the pointer moved, not yet committed
            paused.set()
            assert resume.wait(60)

    writer = threading.Thread(
        target=pg_sync.sync, args=(load_corpus(tiny_corpus).articles, pg_url, embedder), kwargs={"fault": fault}
    )
    writer.start()
    try:
        assert paused.wait(60)
        during = pg_store.open_index(pg_url)  # not blocked by the indexer's lock, and not seeing its work
        assert during.generation == before.generation and list(during.chunks) == list(before.chunks)
        assert during.lexical_search("glaciers alps", 3) == []
    finally:
        resume.set()
        writer.join(60)
    after = pg_store.open_index(pg_url)
    assert after.generation > before.generation and after.lexical_search("glaciers alps", 3)


def test_a_reader_two_generations_behind_moves_to_the_current_one(tiny_corpus: Path, pg_url: str) -> None:
    """Two re-indexes within a few seconds drop the generation a server reads: its next question is asked
    again on the current one (found by a team: it was an HTTP 500, "… removed by a later sync")."""
    embedder = HashingEmbedder()
    bot = Assistant(corpus_dir=tiny_corpus, store=pg_url, embedder=embedder)
    bot.index()
    assert bot.search("solar", k=1)
    for name in ("alps.txt", "andes.txt"):
        (tiny_corpus / name).write_text(f"{NEW_ARTICLE} ({name})")
        pg_sync.sync(load_corpus(tiny_corpus).articles, pg_url, embedder)
    assert len(_schemas(pg_url)) == 2  # the current generation and the previous one; the first is gone
    assert bot.search("glaciers", k=1)[0].source in {"alps.txt", "andes.txt"}  # not an error: the current one
    answer = bot.ask("What do the articles say about glaciers?")
    assert not answer.abstained and {c.source for c in answer.citations} & {"alps.txt", "andes.txt"}


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from assistant.ingest.corpus import load_corpus
    from assistant.embed.embedding import HashingEmbedder
    from assistant.store.postgres_sync import sync

    corpus, url, step = Path(sys.argv[1]), sys.argv[2], sys.argv[3]

    def fault(name):
        if name == step:
            os.kill(os.getpid(), signal.SIGKILL)

    sync(load_corpus(corpus).articles, url, HashingEmbedder(), rebuild=True, fault=fault)
    """
)


@pytest.mark.parametrize("step", ["locked", "embedded", "rows", "indexed", "switched"])
def test_killed_indexer_leaves_the_previous_generation_answering(step: str, tiny_corpus: Path, pg_url: str) -> None:
    embedder = HashingEmbedder()
    pg_sync.sync(load_corpus(tiny_corpus).articles, pg_url, embedder)
    before = pg_store.open_index(pg_url)
    schemas = _schemas(pg_url)
    (tiny_corpus / "glaciers.txt").write_text(NEW_ARTICLE)
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, str(tiny_corpus), pg_url, step], capture_output=True, cwd=ROOT, timeout=120
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    after = pg_store.open_index(pg_url)
    assert after.generation == before.generation and list(after.chunks) == list(before.chunks)  # the old one, whole
    assert after.lexical_search("solar megawatts", 3) == before.lexical_search("solar megawatts", 3)
    assert _schemas(pg_url) == schemas  # the killed sync's schema was rolled back with it
    report = pg_sync.sync(load_corpus(tiny_corpus).articles, pg_url, embedder)  # its lock went with its connection
    assert report.added == ["glaciers.txt"]


BUILDER = textwrap.dedent(
    """
    import sys
    from assistant import Assistant
    from assistant.embed.embedding import HashingEmbedder

    print(Assistant(corpus_dir=sys.argv[1], store=sys.argv[2], embedder=HashingEmbedder()).index().summary())
    """
)


def test_concurrent_indexers_end_with_one_consistent_generation(tiny_corpus: Path, pg_url: str) -> None:
    cmd = [sys.executable, "-c", BUILDER, str(tiny_corpus), pg_url]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT) for _ in range(3)]
    outputs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
        outputs.append(out.decode())
    assert sum("rebuilt (no index yet)" in o for o in outputs) == 1, outputs  # the others waited, then found it done
    assert sum("up to date" in o for o in outputs) == 2, outputs
    data = pg_store.open_index(pg_url)  # counts agree with the manifest
    assert {c.source for c in data.chunks} == set(TINY_ARTICLES) and _schemas(pg_url) == [data.schema]


@pytest.mark.slow
def test_two_assistant_index_commands_at_once(tiny_corpus: Path, pg_url: str) -> None:
    """The real command line, twice at once: one builds, the other waits for its lock and finds nothing to do."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "assistant", "index", "--corpus", str(tiny_corpus), "--store", pg_url]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT) for _ in range(2)]
    outputs = []
    for p in procs:
        out, err = p.communicate(timeout=900)
        assert p.returncode == 0, err.decode()
        outputs.append(out.decode())
    assert sorted("up to date" in o for o in outputs) == [False, True], outputs
    assert all("postgresql://" in o for o in outputs)
    data = pg_store.open_index(pg_url)
    assert data.model == "all-MiniLM-L6-v2" and _schemas(pg_url) == [data.schema]


# --- the layers above, on both stores ---------------------------------------------------------

STORES = ["folder", "postgresql"]


@pytest.fixture(scope="module")
def news_bots(pg_server: str, embedder: SentenceTransformerEmbedder, shipped_index: Path):  # type: ignore[no-untyped-def]
    """The shipped corpus on the index folder and in the database, with the real model."""
    folder = Assistant(corpus_dir=CORPUS, index_dir=shipped_index, embedder=embedder)
    database = Assistant(corpus_dir=CORPUS, store=pg_store.with_index_name(pg_server, "news"), embedder=embedder)
    return {"folder": folder, "postgresql": database}


QUESTIONS = [
    "How much electricity does the Noor plant produce?",
    "When did the Vienna to Paris night train restart?",
    "What is the capital of Mongolia?",
]


@pytest.mark.slow
@pytest.mark.parametrize("kind", STORES)
def test_search_and_filters_on_both_stores(kind: str, news_bots) -> None:  # type: ignore[no-untyped-def]
    bot = news_bots[kind]
    hits = bot.search("electric vehicles battery prices", k=5)
    assert len(hits) == 5 and all(h.dense_score is not None for h in hits)
    one = hits[-1].source
    assert {h.source for h in bot.search("electric vehicles battery prices", k=5, sources=[one])} == {one}
    for mode in ("dense", "lexical", "rerank"):
        assert bot.search("electric vehicles", k=3, mode=mode)


@pytest.mark.slow
@pytest.mark.parametrize("kind", STORES)
def test_answers_cite_their_passages_on_both_stores(kind: str, news_bots) -> None:  # type: ignore[no-untyped-def]
    bot = news_bots[kind]
    answer = bot.ask("What did the articles say about electric vehicle sales?")
    for c in answer.citations:
        assert c.sentence in c.text and c.source in bot.sources
    assert bot.ask("What is the airspeed of an unladen swallow?").abstained


@pytest.mark.slow
def test_both_stores_give_the_same_passages_and_answers(news_bots) -> None:  # type: ignore[no-untyped-def]
    import json

    gold = [json.loads(line) for line in (ROOT / "eval" / "news" / "gold.jsonl").read_text().splitlines()][:40]
    folder, database = news_bots["folder"], news_bots["postgresql"]
    for item in gold:
        q = item["question"]
        assert [p.chunk_id for p in folder.search(q, k=10)] == [p.chunk_id for p in database.search(q, k=10)], q
        a, b = folder.ask(q), database.ask(q)
        assert (a.text, a.abstained) == (b.text, b.abstained), q


@pytest.mark.slow
def test_packed_postings_rank_as_the_index_folder(news_bots, pg_server: str, shipped_index: Path) -> None:  # type: ignore[no-untyped-def]
    """BM25 from each term's packed postings: the folder's rows and scores over 50 candidates, for
    every gold question, repeated query terms and terms no chunk has; ties in row order (bm25s
    orders them its own way, so rows are compared tie-blind, and the last tie group may be cut elsewhere)."""
    import json

    def ranked(hits: list[tuple[int, float]]) -> list[tuple[float, int]]:
        cut = hits[-1][1] + 1e-4 if len(hits) == 50 else 0.0
        return sorted((round(-s, 4), r) for r, s in hits if s > cut)

    news_bots["postgresql"].search("warm up", k=1)  # the database index exists
    folder, database = open_index(shipped_index), pg_store.open_index(pg_store.with_index_name(pg_server, "news"))
    gold = [json.loads(line) for line in (ROOT / "eval" / "news" / "gold.jsonl").read_text().splitlines()]
    queries = [item["question"] for item in gold] + ["China China China trade", "zyzzyva quokka"]
    for q in queries:
        want, got = folder.lexical_search(q, 50), database.lexical_search(q, 50)
        assert got == sorted(got, key=lambda h: (-h[1], h[0])), q
        assert ranked(got) == ranked(want), q
        assert [s for _, s in got] == pytest.approx([s for _, s in want], rel=1e-5), q
    assert database.lexical_search("zyzzyva quokka", 50) == []


def test_an_unreachable_database_is_one_clear_error(tiny_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.errors import IndexWriteError

    monkeypatch.setattr(pg_store, "CONNECT_TIMEOUT_S", 0.5)
    bot = Assistant(corpus_dir=tiny_corpus, store="postgresql://u@/db?host=/nonexistent", embedder=HashingEmbedder())
    with pytest.raises(IndexWriteError, match=r"cannot reach the database postgresql://u@/db"):
        bot.search("solar", k=1)


def test_a_pdfs_pages_and_sections_live_in_the_database_too(tmp_path: Path, pg_url: str) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "fontconfig-user.pdf").write_bytes((ROOT / "tests" / "documents" / "fontconfig-user.pdf").read_bytes())
    articles = load_corpus(corpus).articles
    assert articles[0].pages and articles[0].headings
    embedder = HashingEmbedder()
    assert pg_sync.sync(articles, pg_url, embedder).written
    assert not pg_sync.sync(articles, pg_url, embedder).written  # pages and headings read back equal
    sync(articles, tmp_path / "index", embedder)
    assert not sync(articles, tmp_path / "index", embedder).written
    db, folder = pg_store.open_index(pg_url), open_index(tmp_path / "index")
    assert list(db.articles.items()) == list(folder.articles.items()) == [(a.source, a) for a in articles]
    bot = Assistant(corpus_dir=corpus, store=pg_url, embedder=embedder)
    answer = bot.ask("Which environment variable controls debugging output?")
    assert answer.citations and all(c.page and c.section for c in answer.citations)


def test_a_command_that_reads_never_builds_a_database_index_of_the_shipped_articles(
    tiny_corpus: Path, pg_url: str
) -> None:
    """`assistant ask --store …&index=typo` (no --corpus): an error naming the index, not a new index of the
    demo articles under the mistyped name (found by an operator)."""
    from assistant.apps.cli_common import open_assistant
    from assistant.store import postgres as pg

    with pytest.raises(IndexStateError, match=r"no index 't[0-9a-f]+' in .*build it first: assistant index"):
        open_assistant(None, None, pg_url, reading=True)
    assert not pg.exists(pg_url)  # nothing was written
    pg_sync.sync(load_corpus(tiny_corpus).articles, pg_url, HashingEmbedder())
    assert open_assistant(None, None, pg_url, reading=True).settings.store == pg_url  # once built, it is read


def test_connections_the_server_dropped_are_replaced_and_a_lost_database_is_said_so(
    tiny_corpus: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a PostgreSQL restart the pool's connections are dead: the next question gets new ones. A
    database that stays away is StoreUnavailable (503 from the HTTP API), not a raw psycopg error, and
    is said at once for DOWN_S: with the database down, every question held a worker for 10-30 s before
    its 503, and 40 questions from 10 clients took 400 s (found by a team serving it)."""
    import psycopg
    from psycopg_pool import PoolTimeout

    from assistant.errors import StoreUnavailable

    monkeypatch.setattr(pg_store, "_down", {})  # this test's own, not left to the next
    pg_sync.sync(load_corpus(tiny_corpus).articles, pg_url, HashingEmbedder())
    index = pg_store.open_index(pg_url)
    assert index.lexical_search("solar megawatts", 1)
    conninfo, _ = pg_store.parse_location(pg_url)
    with psycopg.connect(conninfo, autocommit=True) as admin:  # what a restart does to open connections
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")  # fmt: skip
    assert index.lexical_search("solar megawatts", 1)  # answered, on a new connection

    tries = []

    def away(*args: object, **kwargs: object) -> None:
        tries.append(1)
        raise PoolTimeout("couldn't get a connection after 10.00 sec")

    working = index.pool.connection
    monkeypatch.setattr(index.pool, "connection", away)
    for _ in range(4):
        with pytest.raises(StoreUnavailable, match="the index's database is unavailable"):
            index.lexical_search("solar megawatts", 1)
    assert len(tries) == 1  # the other three were told at once
    monkeypatch.setattr(pg_store, "_down", {conninfo: (0.0, "down")})  # as if DOWN_S had passed
    monkeypatch.setattr(index.pool, "connection", working)  # the database is back
    assert index.lexical_search("solar megawatts", 1) and not pg_store._down  # one call tried, and found it


def test_a_socket_location_with_no_host_part_connects(tiny_corpus: Path, pg_server: str) -> None:
    """`postgresql:///db?host=/run/postgresql&user=…`, the usual form for a Unix socket, lost its empty
    host part and failed with "invalid connection option" (found by a team trying the store)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit

    parts = urlsplit(pg_server)
    query = [*parse_qsl(parts.query), ("user", parts.username or "postgres"), ("index", "socket_form")]
    url = f"postgresql://{parts.path}?{urlencode(query)}"
    assert url.startswith("postgresql:///")
    Assistant(corpus_dir=tiny_corpus, store=url, embedder=HashingEmbedder()).index()
    assert [
        h.source
        for h in Assistant(corpus_dir=tiny_corpus, store=url, embedder=HashingEmbedder()).search("solar power", k=1)
    ] == ["solar.txt"]


def test_a_password_is_never_shown_and_a_bad_pool_size_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    shown = pg_store.redact("postgresql://ann:s3cret@db/main?sslmode=require&password=TOPSECRET&index=x")
    assert "s3cret" not in shown and "TOPSECRET" not in shown and shown.startswith("postgresql://ann:***@db/main?")
    for value in ("abc", "0", "-2", ""):
        monkeypatch.setenv("ASSISTANT_PG_POOL", value)
        with pytest.raises(IndexStateError, match="ASSISTANT_PG_POOL must be a whole number"):
            pg_store.pool_size()
    monkeypatch.setenv("ASSISTANT_PG_POOL", "8")
    assert pg_store.pool_size() == 8
