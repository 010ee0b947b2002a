"""Writing an index into PostgreSQL: one transaction per sync, one indexer at a time.

A sync takes the index's advisory lock (`pg_advisory_xact_lock`: a second indexer waits, then
finds the index up to date), reads the current generation, embeds only new or changed articles,
writes a new generation's schema (`postgres_generation`: an unchanged article's rows are copied inside
the database, not sent again), builds its indexes and switches `assistant_indexes` to it, all in
one transaction. Killed or failed at any
point, the transaction is rolled back: the new schema never existed and the old generation keeps
serving. The previous generation is kept for readers still on it; older ones are dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from ..embed.embedding import Embedder
from ..embed.sentence_vectors import embedded_at_build
from ..embed.vectors import embed_texts
from ..errors import CorpusError, IndexWriteError
from ..ingest.chunking import ChunkSettings, split_article
from ..ingest.corpus import NO_ARTICLES
from ..ingest.sentences import sentence_spans
from ..records import Article, Sentence
from . import replacement
from .postgres import CONTROL, LAYOUT, connect, current, parse_location, reason, redact, register_types, schema_name
from .postgres_generation import Rows, write_generation
from .protocol import NEWER_FIELDS, SyncReport, settings_fingerprint, stale_reason, text_hash

logger = logging.getLogger(__name__)

PG_INDEX_TYPES = ("auto", "flat", "hnsw")
# "auto": exact below this many chunks, HNSW from it. A scan costs PostgreSQL about 3 µs a chunk
# (35 ms at 10,000 on a busy 2-core machine, against 10 ms for the HNSW scan at recall 1.0).
APPROXIMATE_FROM = 10_000
_SETUP_LOCK = 0x61737369  # one creator of the shared tables at a time


def _lock_key(name: str) -> str:
    return f"assistant index {name}"


def setup(conn: Any) -> None:
    """The extension, the table naming each index's generation and the generation counter."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SETUP_LOCK,))
        if not conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone():
            conn.execute("CREATE EXTENSION vector")
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {CONTROL} (name text PRIMARY KEY, generation bigint NOT NULL, "
            "manifest jsonb NOT NULL, updated timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute("CREATE SEQUENCE IF NOT EXISTS assistant_generations")


def sync(
    corpus: list[Article],
    location: str,
    embedder: Embedder,
    chunking: ChunkSettings | None = None,
    index_type: str = "auto",
    rebuild: bool = False,
    progress: Callable[[int, int], None] | None = None,
    fault: Callable[[str], None] | None = None,
    corpus_dir: Path | None = None,
    replace: bool = False,
) -> SyncReport:
    """Bring the index at `location` (postgresql://…) in step with `corpus`, embedding only what changed.

    Raises IndexReplaceError, inside the transaction and so changing nothing, if that would remove most of
    the articles the index holds (`store.replacement`; `corpus_dir` is named) and `replace` is not set.
    """
    import psycopg

    chunking = chunking or ChunkSettings()
    fault = fault or (lambda step: None)
    if not corpus:
        raise CorpusError(NO_ARTICLES)
    if index_type not in PG_INDEX_TYPES:
        raise ValueError(f"index type {index_type!r} is not offered by the PostgreSQL store; one of {PG_INDEX_TYPES}")
    conninfo, name = parse_location(location)
    report = SyncReport()
    try:
        with connect(conninfo) as conn:
            setup(conn)
            register_types(conn)  # now that the extension exists
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (_lock_key(name),))
                fault("locked")
                replacement.check(_held(conn, name), [a.source for a in corpus], corpus_dir=corpus_dir,
                                  index=f"the index {name!r} in {redact(conninfo)}", another="?index=NAME",
                                  replace=replace)  # fmt: skip
                if _write(conn, name, corpus, embedder, chunking, index_type, rebuild, progress, fault, report):
                    report.written = True
    except psycopg.Error as exc:
        raise IndexWriteError(f"cannot write the index to {redact(conninfo)}: {reason(exc)}") from exc
    return report


def _write(
    conn: Any,
    name: str,
    corpus: list[Article],
    embedder: Embedder,
    chunking: ChunkSettings,
    index_type: str,
    rebuild: bool,
    progress: Callable[[int, int], None] | None,
    fault: Callable[[str], None],
    report: SyncReport,
) -> bool:
    """Inside the sync's transaction and lock: write a new generation if the corpus changed."""
    found = current(conn, name)
    old_schema: str | None = None
    reason: str | None = "rebuild requested" if rebuild else "no index yet" if found is None else None
    if found is not None and not rebuild:
        reason = stale_reason(found[1], embedder, chunking)
        if reason is None and found[1].get("database", {}).get("layout") != LAYOUT:
            reason = "the database tables have an earlier layout"
        old_schema = None if reason else schema_name(name, found[0])
    report.rebuilt = reason
    if reason and reason != "no index yet":
        logger.warning("rebuilding the index %r: %s", name, reason)
    old = _old_articles(conn, old_schema) if old_schema is not None else {}
    sources = {a.source for a in corpus}
    report.removed = sorted(s for s in old if s not in sources)
    rows, metadata_same = Rows(), bool(old)
    for article in corpus:
        before = old.get(article.source)
        if before is not None and before[0] == text_hash(article.text):
            report.unchanged.append(article.source)
            rows.add_kept(article, *before[2:])
            stored = {**NEWER_FIELDS, **before[1]}
            metadata_same = metadata_same and stored == {k: v for k, v in asdict(article).items() if k in stored}
            continue
        (report.changed if before is not None else report.added).append(article.source)
        chunks = split_article(article, chunking, embedder.count_tokens)
        rows.add_fresh(article, chunks, [Sentence(article.source, a, b) for a, b in sentence_spans(article.text)])
    kind = index_type if index_type != "auto" else "flat" if rows.chunk_count < APPROXIMATE_FROM else "hnsw"
    if (
        found is not None
        and old_schema is not None
        and not (report.added or report.changed or report.removed)
        and metadata_same
        and found[1].get("dense", {}).get("type") == kind
    ):
        return False

    texts = {a.source: a.text for a in corpus}
    sentence_texts = [texts[s.source][s.start : s.end] for _, s in rows.sentences]
    todo = [i for i, t in enumerate(sentence_texts) if embedded_at_build(t)]
    chunk_texts = [c.text for _, c, _, _ in rows.chunks]
    # one pass, counted in word pieces, as the index folder's (embed.vectors)
    new = embed_texts(chunk_texts + [sentence_texts[i] for i in todo], embedder, progress)
    chunk_vectors = new[: len(chunk_texts)]
    sentence_vectors = np.zeros((len(sentence_texts), embedder.dim), dtype=np.float32)
    sentence_vectors[todo] = new[len(chunk_texts) :]
    report.embedded_chunks, report.embedded_sentences = len(rows.chunks), len(todo)
    fault("embedded")
    write_generation(
        conn, name, rows, chunk_vectors, sentence_vectors, kind, settings_fingerprint(embedder, chunking),
        old_schema, found[0] if found else None, fault,
    )  # fmt: skip
    return True


def _held(conn: Any, name: str) -> list[str]:
    """The articles the current generation of index `name` holds, whether or not its rows can be reused (none
    when there is no index, or its tables cannot be read: nothing is known to be lost then)."""
    import psycopg

    found = current(conn, name)
    if found is None:
        return []
    try:
        with conn.transaction():  # a savepoint: a generation of another layout leaves the sync's transaction usable
            return [source for (source,) in conn.execute(f"SELECT source FROM {schema_name(name, found[0])}.articles")]
    except psycopg.Error:
        return []


def _old_articles(conn: Any, schema: str) -> dict[str, tuple[str, dict[str, Any], int, int, int, int]]:
    """The previous generation's articles by source: SHA-256, metadata, and where their chunk and sentence
    rows start and how many there are (an article's rows are consecutive)."""
    sql = (
        "SELECT a.source, a.sha256, a.record - 'text' - 'source', coalesce(c.lo, 0), coalesce(c.n, 0), "
        f"coalesce(s.lo, 0), coalesce(s.n, 0) FROM {schema}.articles a "
        f"LEFT JOIN (SELECT source, min(pos) AS lo, count(*)::int AS n FROM {schema}.chunks GROUP BY source) c "
        "USING (source) "
        f"LEFT JOIN (SELECT source, min(pos) AS lo, count(*)::int AS n FROM {schema}.sentences GROUP BY source) s "
        "USING (source)"
    )
    return {source: (sha, meta, int(c0), int(cn), int(s0), int(sn)) for source, sha, meta, c0, cn, s0, sn
            in conn.execute(sql)}  # fmt: skip
