"""One generation of an index in PostgreSQL, written: new rows sent, kept rows copied inside the database.

A generation's rows are in corpus order. A new or changed article's rows (its record, chunks,
sentences, vectors and term frequencies) are made in Python and sent with COPY; an unchanged
article's rows are copied from the previous generation with INSERT … SELECT, their row numbers
shifted to their new place and the chunks' titles set from the article's present metadata. The
terms and the BM25 weights, which depend on the whole collection, are then computed in SQL from
the stored term frequencies, with bm25s's formula in double precision, as the index folder's.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from ..ingest.cleaning import script_counts
from ..records import Article, Chunk, Sentence
from .lexical import analyse
from .postgres import CONTROL, LAYOUT, schema_name
from .protocol import SCHEMA_VERSION, text_hash

BM25_K1, BM25_B = 1.5, 0.75  # bm25s's defaults (the "lucene" variant), so both stores score alike


@dataclass
class Rows:
    """A new generation's rows in corpus order: each article's made here (fresh) or copied (kept)."""

    articles: list[Article] = field(default_factory=list)
    fresh: set[str] = field(default_factory=set)
    kept: list[tuple[str, int, int, int]] = field(default_factory=list)  # source, order, chunk and sentence shift
    chunks: list[tuple[int, Chunk, int, int]] = field(default_factory=list)  # fresh: row, chunk, its sentence rows
    sentences: list[tuple[int, Sentence]] = field(default_factory=list)  # fresh: row, sentence
    chunk_count: int = 0
    sentence_count: int = 0

    def add_fresh(self, article: Article, chunks: list[Chunk], sentences: list[Sentence]) -> None:
        first = self.sentence_count
        starts = [s.start for s in sentences]  # sorted: sentences come in text order
        for chunk in chunks:
            lo, hi = bisect.bisect_left(starts, chunk.start), bisect.bisect_left(starts, chunk.end)
            self.chunks.append((self.chunk_count, chunk, first + lo, first + hi))
            self.chunk_count += 1
        for sentence in sentences:
            self.sentences.append((self.sentence_count, sentence))
            self.sentence_count += 1
        self.fresh.add(article.source)
        self.articles.append(article)

    def add_kept(self, article: Article, chunk_from: int, chunks: int, sentence_from: int, sentences: int) -> None:
        """An unchanged article whose rows start at these rows of the previous generation."""
        order = len(self.articles)
        self.kept.append((article.source, order, self.chunk_count - chunk_from, self.sentence_count - sentence_from))
        self.chunk_count += chunks
        self.sentence_count += sentences
        self.articles.append(article)


def article_features(article: Article) -> tuple[list[str], list[str], dict[str, int]]:
    """What the questions read of an article without its text: its publisher's and author's terms,
    its metadata's terms, and the scripts of a sample of its letters."""
    return (*_metadata_terms(article), script_counts(article.text[:5000]))


def write_generation(
    conn: Any,
    name: str,
    rows: Rows,
    chunk_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    kind: str,
    fingerprint: dict[str, Any],
    old_schema: str | None = None,
    previous: int | None = None,
    fault: Callable[[str], None] = lambda step: None,
) -> int:
    """Write a new generation of index `name` and make it current (inside the caller's transaction).

    `chunk_vectors[i]` is the vector of `rows.chunks[i]` (likewise sentences); kept rows are copied
    from `old_schema`. The previous generation is kept for readers still on it, older ones are
    dropped. Returns its number.
    """
    dim = chunk_vectors.shape[1]
    generation = int(conn.execute("SELECT nextval('assistant_generations')").fetchone()[0])
    schema = schema_name(name, generation)
    _create(conn, schema, dim)
    _write_fresh(conn, schema, rows, chunk_vectors, sentence_vectors)
    if rows.kept:
        assert old_schema is not None
        _copy_kept(conn, schema, old_schema, rows)
    fault("rows")
    _bm25(conn, schema, rows.chunk_count)
    conn.execute(f"CREATE INDEX ON {schema}.postings (term) INCLUDE (pos, weight)")
    conn.execute(f"CREATE INDEX ON {schema}.chunks (source)")
    conn.execute(f"CREATE UNIQUE INDEX ON {schema}.chunks (id)")
    if kind == "hnsw":
        conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
        conn.execute(f"CREATE INDEX ON {schema}.chunks USING hnsw (embedding vector_ip_ops) "
                     "WITH (m = 16, ef_construction = 64)")  # fmt: skip
    for table in ("articles", "chunks", "sentences", "terms", "postings"):
        conn.execute(f"ANALYZE {schema}.{table}")
    fault("indexed")
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **fingerprint,
        "dense": {"type": kind},
        "counts": {"articles": len(rows.articles), "chunks": rows.chunk_count, "sentences": rows.sentence_count},
        "articles": {},  # each article's SHA-256 is in its row: a reader need not hold them
        "files": {},
        "database": {"schema": schema, "generation": generation, "layout": LAYOUT},
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
    conn.execute(f"CREATE TABLE {schema}.articles (source text PRIMARY KEY, ord int NOT NULL UNIQUE, "
                 "sha256 text NOT NULL, record jsonb NOT NULL, owners text[] NOT NULL, meta text[] NOT NULL, "
                 "scripts jsonb NOT NULL, terms text[] NOT NULL)")  # fmt: skip
    conn.execute(f"CREATE TABLE {schema}.chunks (pos int PRIMARY KEY, source text NOT NULL, id text NOT NULL, "
                 "sent_lo int NOT NULL, sent_hi int NOT NULL, length int NOT NULL, record jsonb NOT NULL, "
                 f"embedding vector({dim}) NOT NULL)")  # fmt: skip
    conn.execute(f"CREATE TABLE {schema}.sentences (pos int PRIMARY KEY, source text NOT NULL, "
                 f"record jsonb NOT NULL, embedding vector({dim}) NOT NULL)")  # fmt: skip
    conn.execute(f"CREATE TABLE {schema}.terms (term text PRIMARY KEY, df int NOT NULL, articles int NOT NULL, "
                 "meta boolean NOT NULL, rows bytea, weights bytea)")  # fmt: skip
    for column in ("rows", "weights"):  # read whole per query term: stored out of line, not compressed
        conn.execute(f"ALTER TABLE {schema}.terms ALTER COLUMN {column} SET STORAGE EXTERNAL")
    conn.execute(f"CREATE TABLE {schema}.postings (term text NOT NULL, pos int NOT NULL, tf int NOT NULL, "
                 "weight real NOT NULL)")  # fmt: skip
    conn.execute("CREATE TEMP TABLE frequencies (term text NOT NULL, pos int NOT NULL, tf int NOT NULL) "
                 "ON COMMIT DROP")  # fmt: skip


def _write_fresh(conn: Any, schema: str, rows: Rows, chunk_vectors: np.ndarray, sentence_vectors: np.ndarray) -> None:
    """The fresh articles' rows, sent with COPY."""
    with conn.cursor().copy(f"COPY {schema}.articles (source, ord, sha256, record, owners, meta, scripts, terms) "
                            "FROM STDIN") as copy:  # fmt: skip
        for order, article in enumerate(rows.articles):
            if article.source in rows.fresh:
                owners, meta, scripts = article_features(article)
                terms = sorted(set(analyse(article.text)))
                copy.write_row((article.source, order, text_hash(article.text), _json(asdict(article)), owners, meta,
                                _json(scripts), terms))  # fmt: skip
    columns = "pos, source, id, sent_lo, sent_hi, length, record, embedding"
    with conn.cursor().copy(f"COPY {schema}.chunks ({columns}) FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["int4", "text", "text", "int4", "int4", "int4", "jsonb", "vector"])
        for (pos, chunk, lo, hi), vector in zip(rows.chunks, chunk_vectors, strict=True):
            length = len(analyse(chunk.text)) or 1  # bm25s gives an empty text one placeholder token
            copy.write_row((pos, chunk.source, chunk.id, lo, hi, length, asdict(chunk), vector))
    with conn.cursor().copy(f"COPY {schema}.sentences (pos, source, record, embedding) FROM STDIN "
                            "WITH (FORMAT BINARY)") as copy:  # fmt: skip
        copy.set_types(["int4", "text", "jsonb", "vector"])
        for (pos, sentence), vector in zip(rows.sentences, sentence_vectors, strict=True):
            copy.write_row((pos, sentence.source, asdict(sentence), vector))
    with conn.cursor().copy("COPY frequencies (term, pos, tf) FROM STDIN") as copy:
        for pos, chunk, _, _ in rows.chunks:
            for term, tf in Counter(analyse(chunk.text)).items():
                copy.write_row((term, pos, tf))


def _copy_kept(conn: Any, schema: str, old: str, rows: Rows) -> None:
    """The kept articles' rows, copied from the previous generation inside the database."""
    conn.execute("CREATE TEMP TABLE kept (source text PRIMARY KEY, ord int, chunk_shift int, sentence_shift int, "
                 "metadata jsonb, owners text[], meta text[]) ON COMMIT DROP")  # fmt: skip
    by_source = {a.source: a for a in rows.articles}
    with conn.cursor().copy("COPY kept FROM STDIN") as copy:
        for source, order, chunk_shift, sentence_shift in rows.kept:
            article = by_source[source]
            owners, meta = _metadata_terms(article)
            copy.write_row((source, order, chunk_shift, sentence_shift, _json(article.metadata()), owners, meta))
    conn.execute(f"INSERT INTO {schema}.articles SELECT k.source, k.ord, o.sha256, o.record || k.metadata, k.owners, "
                 f"k.meta, o.scripts, o.terms FROM kept k JOIN {old}.articles o USING (source)")  # fmt: skip
    conn.execute(f"INSERT INTO {schema}.chunks SELECT c.pos + k.chunk_shift, c.source, c.id, "
                 "c.sent_lo + k.sentence_shift, c.sent_hi + k.sentence_shift, c.length, "
                 "jsonb_set(c.record, '{title}', k.metadata -> 'title'), c.embedding "
                 f"FROM {old}.chunks c JOIN kept k USING (source)")  # fmt: skip
    conn.execute(f"INSERT INTO {schema}.sentences SELECT s.pos + k.sentence_shift, s.source, s.record, s.embedding "
                 f"FROM {old}.sentences s JOIN kept k USING (source)")  # fmt: skip
    conn.execute(f"INSERT INTO frequencies SELECT p.term, p.pos + k.chunk_shift, p.tf FROM {old}.postings p "
                 f"JOIN {old}.chunks c ON c.pos = p.pos JOIN kept k ON k.source = c.source")  # fmt: skip
    conn.execute("DROP TABLE kept")


def _metadata_terms(article: Article) -> tuple[list[str], list[str]]:
    owners = sorted(set(analyse(f"{article.publisher or ''} {article.author or ''}")))
    meta = sorted(set(analyse(f"{article.title} {article.publisher or ''} {article.author or ''}")))
    return owners, meta


def _bm25(conn: Any, schema: str, n: int) -> None:
    """The terms' statistics and every posting's BM25 weight, from the stored term frequencies.

    As bm25s (and the Python this replaced): idf = ln(1 + (n - df + 0.5) / (df + 0.5)), weight =
    idf * tf / (k1 * (1 - b + b * length / avgdl) + tf), in double precision, stored as real.
    Each term's row also holds its postings packed, the chunk rows (int4) and their weights
    (float4), both big-endian and in row order, which a query reads in one fetch per term.
    """
    conn.execute(
        "CREATE TEMP TABLE term_stats ON COMMIT DROP AS "
        "SELECT term, coalesce(d.df, 0) AS df, coalesce(a.n, 0) AS articles, coalesce(m.meta, false) AS meta "
        "FROM (SELECT term, count(*)::int AS df FROM frequencies GROUP BY term) d "
        f"FULL JOIN (SELECT t AS term, count(*)::int AS n FROM {schema}.articles, unnest(terms) t GROUP BY t) a "
        "USING (term) "
        f"FULL JOIN (SELECT DISTINCT t AS term, true AS meta FROM {schema}.articles, unnest(meta) t) m USING (term)"
    )
    total = conn.execute(f"SELECT coalesce(sum(length), 0) FROM {schema}.chunks").fetchone()[0]
    avgdl = float(total) / max(n, 1)
    conn.execute(
        f"INSERT INTO {schema}.postings (term, pos, tf, weight) "
        "SELECT f.term, f.pos, f.tf, (ln(1 + (%(n)s::float8 - t.df + 0.5) / (t.df + 0.5::float8)) * f.tf "
        "/ (%(k1)s::float8 * ((1 - %(b)s::float8) + %(b)s::float8 * c.length / %(avgdl)s::float8) + f.tf))::real "
        f"FROM frequencies f JOIN term_stats t USING (term) JOIN {schema}.chunks c ON c.pos = f.pos",
        {"n": n, "k1": BM25_K1, "b": BM25_B, "avgdl": avgdl},
    )
    conn.execute(
        f"INSERT INTO {schema}.terms (term, df, articles, meta, rows, weights) "
        "SELECT t.term, t.df, t.articles, t.meta, p.rows, p.weights FROM term_stats t LEFT JOIN "
        "(SELECT term, string_agg(int4send(pos), ''::bytea ORDER BY pos) AS rows, "
        f"string_agg(float4send(weight), ''::bytea ORDER BY pos) AS weights FROM {schema}.postings GROUP BY term) p "
        "USING (term)"
    )
    conn.execute("DROP TABLE term_stats")
