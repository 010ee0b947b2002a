"""Writing an index into PostgreSQL: one transaction per sync, one indexer at a time.

A sync takes the index's advisory lock (`pg_advisory_xact_lock`: a second indexer waits, then
finds the index up to date), reads the current generation, embeds only new or changed articles,
writes a new generation's schema (kept rows' vectors are copied inside the database), builds its
indexes and switches `assistant_indexes` to it, all in one transaction. Killed or failed at any
point, the transaction is rolled back: the new schema never existed and the old generation keeps
serving. The previous generation is kept for readers still on it; older ones are dropped.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import numpy as np

from .chunking import ChunkSettings
from .embedding import Embedder
from .errors import CorpusError, IndexWriteError
from .index_store import SCHEMA_VERSION, SyncPlan, SyncReport, plan_sync, settings_fingerprint, stale_reason, text_hash
from .lexical import analyse
from .pg_store import CONTROL, connect, current, parse_location, redact, register_types, schema_name
from .records import Article, Chunk, Sentence

logger = logging.getLogger(__name__)

PG_INDEX_TYPES = ("auto", "flat", "hnsw")
# "auto": exact below this many chunks, HNSW from it. A scan costs PostgreSQL about 3 µs a chunk
# (35 ms at 10,000 on a busy 2-core machine, against 10 ms for the HNSW scan at recall 1.0).
APPROXIMATE_FROM = 10_000
BM25_K1, BM25_B = 1.5, 0.75  # bm25s's defaults (the "lucene" variant), so both stores score alike
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


def bm25_postings(chunks: list[Chunk]) -> tuple[Counter[str], list[tuple[str, int, float]]]:
    """Document frequencies and each (term, row, weight) of BM25 over the chunk texts, as bm25s builds it."""
    docs = [analyse(c.text) or ["\x00"] for c in chunks]
    n = len(docs)
    avgdl = sum(len(d) for d in docs) / max(n, 1)
    df: Counter[str] = Counter()
    for d in docs:
        df.update(set(d))
    idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
    postings = []
    for row, d in enumerate(docs):
        norm = BM25_K1 * ((1 - BM25_B) + BM25_B * len(d) / avgdl)
        for term, tf in Counter(d).items():
            postings.append((term, row, idf[term] * tf / (norm + tf)))
    return df, postings


def sync(
    corpus: list[Article],
    location: str,
    embedder: Embedder,
    chunking: ChunkSettings | None = None,
    index_type: str = "auto",
    rebuild: bool = False,
    progress: Callable[[int, int], None] | None = None,
    fault: Callable[[str], None] | None = None,
) -> SyncReport:
    """Bring the index at `location` (postgresql://…) in step with `corpus`, embedding only what changed."""
    import psycopg

    chunking = chunking or ChunkSettings()
    fault = fault or (lambda step: None)
    if not corpus:
        raise CorpusError("the corpus holds no readable articles; add .txt, .md or .html files")
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
                if _write(conn, name, corpus, embedder, chunking, index_type, rebuild, progress, fault, report):
                    report.written = True
    except psycopg.Error as exc:
        raise IndexWriteError(f"cannot write the index to {redact(conninfo)}: {exc}") from exc
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
        old_schema = None if reason else schema_name(name, found[0])
    report.rebuilt = reason
    if reason and reason != "no index yet":
        logger.warning("rebuilding the index %r: %s", name, reason)
    old_articles: dict[str, dict[str, Any]] = {}
    old_chunks: dict[str, list[tuple[Chunk, int]]] = {}
    old_sentences: dict[str, list[tuple[Sentence, int]]] = {}
    if old_schema is not None:
        for sha, record in conn.execute(f"SELECT sha256, record FROM {old_schema}.articles"):
            old_articles[record["source"]] = {**record, "sha256": sha}
        for pos, record in conn.execute(f"SELECT pos, record FROM {old_schema}.chunks ORDER BY pos"):
            old_chunks.setdefault(record["source"], []).append((Chunk(**record), pos))
        for pos, record in conn.execute(f"SELECT pos, record FROM {old_schema}.sentences ORDER BY pos"):
            old_sentences.setdefault(record["source"], []).append((Sentence(**record), pos))
    plan = plan_sync(corpus, old_articles, old_chunks, old_sentences, embedder, chunking, report)
    kind = index_type if index_type != "auto" else "flat" if len(plan.chunks) < APPROXIMATE_FROM else "hnsw"
    if (
        found is not None
        and old_schema is not None
        and not (report.added or report.changed or report.removed)
        and plan.metadata_same
        and found[1].get("dense", {}).get("type") == kind
    ):
        return False

    done, todo = 0, plan.to_embed

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, todo)

    texts = {a.source: a.text for a in corpus}
    chunk_vectors = _embed([c.text for c in plan.chunks], plan.chunk_rows, embedder, step)
    sentence_texts = [texts[s.source][s.start : s.end] for s in plan.sentences]
    sentence_vectors = _embed(sentence_texts, plan.sentence_rows, embedder, step)
    report.embedded_chunks = sum(r is None for r in plan.chunk_rows)
    report.embedded_sentences = sum(r is None for r in plan.sentence_rows)
    fault("embedded")

    write_generation(
        conn, name, corpus, plan, chunk_vectors, sentence_vectors, kind, settings_fingerprint(embedder, chunking),
        old_schema, found[0] if found else None, fault,
    )  # fmt: skip
    return True


def write_generation(
    conn: Any,
    name: str,
    corpus: list[Article],
    plan: SyncPlan,
    chunk_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    kind: str,
    fingerprint: dict[str, Any],
    old_schema: str | None = None,
    previous: int | None = None,
    fault: Callable[[str], None] = lambda step: None,
) -> int:
    """Write a new generation of index `name` and make it current (inside the caller's transaction).

    Rows the plan keeps (an old row number) take their vectors from `old_schema`'s tables; the
    previous generation is kept for readers still on it, older ones are dropped. Returns its number.
    """
    dim = chunk_vectors.shape[1]
    generation = int(conn.execute("SELECT nextval('assistant_generations')").fetchone()[0])
    schema = schema_name(name, generation)
    _create(conn, schema, dim)
    with conn.cursor().copy(f"COPY {schema}.articles (ord, source, sha256, record) FROM STDIN") as copy:
        for i, a in enumerate(corpus):
            copy.write_row((i, a.source, text_hash(a.text), _json(asdict(a))))
    _copy_rows(conn, schema, "chunks", old_schema, plan, chunk_vectors, dim)
    _copy_rows(conn, schema, "sentences", old_schema, plan, sentence_vectors, dim)
    fault("rows")
    df, postings = bm25_postings(plan.chunks)
    with conn.cursor().copy(f"COPY {schema}.terms (term, df) FROM STDIN") as copy:
        for term, n in df.items():
            copy.write_row((term, n))
    with conn.cursor().copy(f"COPY {schema}.postings (term, pos, weight) FROM STDIN") as copy:
        for posting in postings:
            copy.write_row(posting)
    conn.execute(f"CREATE INDEX ON {schema}.postings (term) INCLUDE (pos, weight)")
    conn.execute(f"CREATE INDEX ON {schema}.chunks (source)")
    if kind == "hnsw":
        conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
        conn.execute(f"CREATE INDEX ON {schema}.chunks USING hnsw (embedding vector_ip_ops) "
                     "WITH (m = 16, ef_construction = 64)")  # fmt: skip
    conn.execute(f"ANALYZE {schema}.chunks")
    conn.execute(f"ANALYZE {schema}.postings")
    fault("indexed")
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **fingerprint,
        "dense": {"type": kind},
        "counts": {"articles": len(corpus), "chunks": len(plan.chunks), "sentences": len(plan.sentences)},
        "articles": {a.source: {"sha256": text_hash(a.text)} for a in corpus},
        "files": {},
        "database": {"schema": schema, "generation": generation},
    }
    conn.execute(
        f"INSERT INTO {CONTROL} (name, generation, manifest) VALUES (%s, %s, %s) ON CONFLICT (name) DO UPDATE "
        "SET generation = excluded.generation, manifest = excluded.manifest, updated = now()",
        (name, generation, _json(manifest)),
    )
    keep = {schema, schema_name(name, previous) if previous is not None else schema}
    for (old,) in conn.execute(
        "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (f"assistant\\_{name}\\_g%",)
    ).fetchall():
        if old not in keep and old.removeprefix(f"assistant_{name}_g").isdigit():
            conn.execute(f"DROP SCHEMA {old} CASCADE")
    fault("switched")
    return generation


def _json(value: Any) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(value)


def _create(conn: Any, schema: str, dim: int) -> None:
    conn.execute(f"CREATE SCHEMA {schema}")
    conn.execute(f"CREATE TABLE {schema}.articles (source text PRIMARY KEY, ord int NOT NULL, "
                 "sha256 text NOT NULL, record jsonb NOT NULL)")  # fmt: skip
    for table in ("chunks", "sentences"):
        conn.execute(f"CREATE TABLE {schema}.{table} (pos int PRIMARY KEY, source text NOT NULL, "
                     f"record jsonb NOT NULL, embedding vector({dim}) NOT NULL)")  # fmt: skip
    conn.execute(f"CREATE TABLE {schema}.terms (term text PRIMARY KEY, df int NOT NULL)")
    conn.execute(f"CREATE TABLE {schema}.postings (term text NOT NULL, pos int NOT NULL, weight real NOT NULL)")


def _copy_rows(
    conn: Any, schema: str, table: str, old_schema: str | None, plan: SyncPlan, vectors: np.ndarray, dim: int
) -> None:
    """The new rows of `table`: embedded vectors sent, kept ones copied from the old generation's table."""
    records: list[Any] = plan.chunks if table == "chunks" else plan.sentences
    old_rows = plan.chunk_rows if table == "chunks" else plan.sentence_rows
    conn.execute(f"CREATE TEMP TABLE staged (pos int, source text, record jsonb, old int, embedding vector({dim})) "
                 "ON COMMIT DROP")  # fmt: skip
    with conn.cursor().copy("COPY staged (pos, source, record, old, embedding) FROM STDIN WITH (FORMAT BINARY)") as cp:
        cp.set_types(["int4", "text", "jsonb", "int4", "vector"])
        for pos, (record, old) in enumerate(zip(records, old_rows, strict=True)):
            cp.write_row((pos, record.source, asdict(record), old, vectors[pos] if old is None else None))
    source = f"LEFT JOIN {old_schema}.{table} o ON o.pos = n.old" if old_schema else ""
    embedding = "COALESCE(n.embedding, o.embedding)" if old_schema else "n.embedding"
    conn.execute(f"INSERT INTO {schema}.{table} SELECT n.pos, n.source, n.record, {embedding} FROM staged n {source}")
    conn.execute("DROP TABLE staged")


def _embed(texts: list[str], rows: list[int | None], embedder: Embedder, step: Callable[[int], None]) -> np.ndarray:
    """Vectors for the texts whose row is None (kept rows are copied in the database: zeros here)."""
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    todo = [i for i, row in enumerate(rows) if row is None]
    if todo:
        out[todo] = embedder.embed_documents([texts[i] for i in todo], progress=step)
    return out
