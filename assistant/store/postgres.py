"""The index in PostgreSQL with pgvector: one database shared by many chat servers.

Each generation of an index is a schema of its own, `assistant_<name>_g<N>`, holding
`articles`, `chunks` and `sentences` (their records as JSON and their vectors as pgvector
columns; row numbers as in the index folder; each chunk's range of sentence rows) and the
lexical index: `terms` (BM25 document frequency, articles using the term, whether metadata
names it, and its postings packed in two byte strings, read whole per query term) and `postings`
(each term's frequency and BM25 weight in each chunk, one row each: what a sync copies, and
what a search within some articles joins to their chunks). The table `assistant_indexes` names each index's current
generation; `postgres_sync.sync` writes a new generation and switches that row in one transaction, so
readers see the old generation until the new one commits. Dense search is exact below
`postgres_sync.APPROXIMATE_FROM` chunks and an HNSW index scan from there on.

What a reader holds in memory: the manifest, counts and bounded caches. Articles, chunks,
sentences, term statistics, vectors and postings are read per question (`postgres_rows`).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import Counter
from collections.abc import Collection, Sequence
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

from ..errors import GenerationGone, IndexStateError, IndexWriteError, StoreUnavailable
from ..records import Chunk
from .format import manifest_problem
from .postgres_rows import (
    ArticleCounts,
    ChunkRows,
    PgTerms,
    RemoteArticles,
    RemoteChunks,
    RemoteSentences,
    RemoteVectors,
)
from .protocol import REFRESH_S, SCHEMA_VERSION

CONTROL = "assistant_indexes"
# The tables' layout (manifest["database"]["layout"]); a generation of another layout is rebuilt.
LAYOUT = 3
CONNECT_TIMEOUT_S = 10.0
# A database found unreachable is not tried again for this long (the Retry-After the chat server gives):
# every call in between fails at once, instead of holding a worker for CONNECT_TIMEOUT_S; then one call
# tries, while the others still fail at once.
DOWN_S = 5.0
_down: dict[str, tuple[float, str]] = {}  # by connection string: until when, and why
# Candidates an HNSW scan keeps: at least the 50 fusion takes. At 10,000 chunks: recall@10 0.997 in 3 ms
# (200: 0.999 in 6-8 ms).
HNSW_EF_SEARCH = 100
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


def parse_location(location: str) -> tuple[str, str]:
    """The connection string and index name of `postgresql://…[?index=NAME]` (default name "main").

    `index` is ours, not libpq's: it is taken out of the connection string. Several indexes
    (one per corpus) can share a database under different names.
    """
    parts = urlsplit(location)
    query = parse_qsl(parts.query, keep_blank_values=True)
    names = [v for k, v in query if k == "index"]
    name = names[-1] if names else "main"
    if not _NAME.match(name):
        raise IndexStateError(f"index name {name!r} in {redact(location)}: use lower-case letters, digits and _")
    rest = urlencode([(k, v) for k, v in query if k != "index"])
    # Spelt out, not urlunsplit: that drops the empty host of "postgresql:///db?host=/run/postgresql" (a socket).
    conninfo = f"{parts.scheme}://{parts.netloc}{parts.path}" + (f"?{rest}" if rest else "")
    return conninfo, name


def with_index_name(location: str, name: str) -> str:
    """`location` naming index `name` (unless it already names one)."""
    if "index" in dict(parse_qsl(urlsplit(location).query)):
        return location
    name = re.sub(r"[^a-z0-9_]", "_", name.lower())
    return f"{location}{'&' if '?' in location else '?'}index={name}"


def reason(exc: Exception) -> str:
    """A database error in one line, with what to do for the rights a role lacks (the server's message
    runs on over the SQL it quotes and a caret under it)."""
    lines = str(exc).strip().splitlines()
    first = lines[0] if lines else type(exc).__name__
    if getattr(exc, "sqlstate", None) == "42501":  # insufficient privilege
        if "extension" in first:
            return f"{first}: ask a superuser to run CREATE EXTENSION vector in this database"
        return f"{first}: the role needs CREATE on schema public, or to own the database (see the README)"
    return first


def redact(location: str) -> str:
    """The location without its password (in `user:password@` or a `password=` parameter), for messages."""
    parts = urlsplit(location)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        location = urlunsplit(parts._replace(netloc=netloc))
    return _PASSWORD_PARAMETER.sub(r"\1***", location)


_PASSWORD_PARAMETER = re.compile(r"(\bpassword=)[^&\s]*", re.IGNORECASE)


def pool_size() -> int:
    """Connections a reader's pool may open (ASSISTANT_PG_POOL, default 4)."""
    value = os.environ.get("ASSISTANT_PG_POOL", "4")
    if not value.strip().isdigit() or int(value) < 1:
        raise IndexStateError(f"ASSISTANT_PG_POOL must be a whole number of connections, at least 1, not {value!r}")
    return int(value)


def schema_name(name: str, generation: int) -> str:
    return f"assistant_{name}_g{generation}"


def connect(conninfo: str) -> Any:
    """One connection of its own (an indexer's), outside the pool."""
    import psycopg

    return psycopg.connect(conninfo)


def register_types(conn: Any) -> None:
    """pgvector's types for this connection, when the extension exists."""
    from pgvector.psycopg import register_vector

    has = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone()
    if conn.info.transaction_status != 0:  # 0: idle; keep the pool's connections out of a transaction
        conn.rollback()
    if has:
        register_vector(conn)


_pools: dict[str, Any] = {}
_pools_lock = threading.Lock()


def pool(conninfo: str) -> Any:
    """This process's connection pool for a database (psycopg_pool), made on first use."""
    with _pools_lock:
        if conninfo not in _pools:
            import psycopg
            from psycopg_pool import ConnectionPool

            # One plain connection first: a database that does not exist, a role it does not know or a
            # misspelt option fails at once with the server's reason, where the pool would retry for
            # CONNECT_TIMEOUT_S and then say only that it is incomplete.
            psycopg.connect(conninfo, connect_timeout=max(2, round(CONNECT_TIMEOUT_S))).close()

            def configure(conn: Any) -> None:
                register_types(conn)
                conn.execute(f"SET hnsw.ef_search = {HNSW_EF_SEARCH}")

            size = pool_size()
            made = ConnectionPool(
                conninfo, min_size=1, max_size=size, configure=configure, kwargs={"autocommit": True},
                timeout=CONNECT_TIMEOUT_S, open=True,
            )  # fmt: skip
            try:
                made.wait(CONNECT_TIMEOUT_S)  # an unreachable server is an error now, not at every question
            except Exception:
                made.close()
                raise
            _pools[conninfo] = made
        return _pools[conninfo]


def close_pools() -> None:
    """Close this process's connection pools (tests, before their server stops)."""
    with _pools_lock:
        for p in _pools.values():
            p.close()
        _pools.clear()


class PgIndex:
    """One generation of an index in PostgreSQL, opened: an `IndexStore` that holds little more than
    its counts and reads the rows a question needs (`postgres_rows`)."""

    def __init__(self, location: str, generation: int, manifest: dict[str, Any]) -> None:
        self.location = location
        self.conninfo, self.name = parse_location(location)
        self.generation = generation
        self.schema = schema_name(self.name, generation)
        self.manifest = manifest
        self.pool = pool(self.conninfo)
        self.exact = manifest["dense"]["type"] != "hnsw"
        counts = manifest["counts"]
        self.articles = RemoteArticles(self, counts["articles"])
        self.sentences = RemoteSentences(self, counts["sentences"])
        self.chunks = RemoteChunks(self, counts["chunks"], self.sentences)
        self.chunk_rows = ChunkRows(self, self.chunks)
        self.lexical = PgTerms(self, counts["chunks"])
        self.sentence_vectors = RemoteVectors(self, counts["sentences"])
        self.metadata_terms = self.lexical.metadata
        self.term_articles = ArticleCounts(self.lexical)
        self._checked = time.monotonic()
        self._superseded = False

    @property
    def model(self) -> str:
        return str(self.manifest["model"]["name"])

    def superseded(self) -> bool:
        """Whether another generation has become current (looked up at most every REFRESH_S seconds)."""
        if self._superseded or time.monotonic() - self._checked < REFRESH_S or self.conninfo in _down:
            return self._superseded  # (a database found down is tried by the next query, not here)
        import psycopg

        self._checked = time.monotonic()
        try:
            with self.pool.connection() as conn:
                found = current(conn, self.name)
        except psycopg.Error:  # the database is unreachable: keep answering from what is loaded
            return False
        self._superseded = found is not None and found[0] != self.generation
        return self._superseded

    def ping(self) -> None:
        """One round trip through the breaker: StoreUnavailable at once while the database is known to be
        down (DOWN_S), else after trying it."""
        self.query("SELECT 1")

    def query(self, sql: str, params: Any = None, binary: bool = False) -> list[Any]:
        """Rows of `sql` run on this generation's schema (`{s}` in the text); `binary` fetches them in
        PostgreSQL's binary format (bytea as bytes without decoding)."""
        import psycopg
        from psycopg_pool import PoolTimeout

        now = time.monotonic()
        down = _down.get(self.conninfo)
        if down is not None:
            if now < down[0]:  # found unreachable moments ago: said at once, not after another wait
                raise StoreUnavailable(down[1])
            _down[self.conninfo] = (now + CONNECT_TIMEOUT_S, down[1])  # this call tries; the others answer at once
        for attempt in (1, 2):
            try:
                with self.pool.connection() as conn:
                    if conn.adapters.types.get("vector") is None:  # made before the extension was (a fresh database)
                        register_types(conn)
                    rows = list(conn.execute(sql.replace("{s}", self.schema), params, binary=binary).fetchall())
                _down.pop(self.conninfo, None)
                return rows
            except psycopg.errors.UndefinedTable as exc:
                self._superseded = True  # the assistant opens the current generation for the next question
                raise GenerationGone(
                    f"index generation {self.generation} of {self.name!r} was removed by a later sync; reopen the index"
                ) from exc
            except psycopg.OperationalError as exc:
                # A connection the server dropped (a restart) is discarded by the pool: the second attempt
                # gets a new one. A server that is down, or no connection free in time, is said so.
                if attempt == 2 or isinstance(exc, PoolTimeout):
                    why = f"the index's database is unavailable: {reason(exc)}"
                    _down[self.conninfo] = (time.monotonic() + DOWN_S, why)
                    raise StoreUnavailable(why) from exc
        raise AssertionError("unreachable")

    def check(self) -> PgIndex:
        """This generation, once its tables are found to hold what its manifest counts."""
        got = self.query("SELECT (SELECT count(*) FROM {s}.articles), (SELECT count(*) FROM {s}.chunks), "
                         "(SELECT count(*) FROM {s}.sentences)")[0]  # fmt: skip
        counts = self.manifest["counts"]
        if tuple(got) != (counts["articles"], counts["chunks"], counts["sentences"]):
            raise IndexStateError(f"index {self.name!r} in the database is out of step with its manifest; "
                                  f"run: assistant index --rebuild --store {redact(self.location)}")  # fmt: skip
        return self

    @cached_property
    def attribution_terms(self) -> tuple[dict[str, frozenset[str]], Counter[str]]:
        """The publisher and author terms of the articles that have any, and in how many article texts each occurs."""
        owners = {s: frozenset(t) for s, t in self.query("SELECT source, owners FROM {s}.articles "
                                                         "WHERE cardinality(owners) > 0 ORDER BY ord")}  # fmt: skip
        wanted: set[str] = set().union(*owners.values()) if owners else set()
        counts = {t: n for t, (_, n, _) in self.lexical.stats(wanted).items() if n}
        return owners, Counter(counts)

    @cached_property
    def scripts(self) -> frozenset[str]:
        """The scripts the articles are written in (each at least 5% of a sample of their letters)."""
        sql = "SELECT key, sum(value::bigint) FROM {s}.articles, jsonb_each_text(scripts) GROUP BY key"
        counts = {str(k): int(n) for k, n in self.query(sql)}
        total = sum(counts.values()) or 1
        return frozenset(s for s, n in counts.items() if n / total >= 0.05)

    def chunks_at(self, rows: Sequence[int]) -> list[Chunk]:
        return self.chunks.fetch(rows)

    def sentence_rows(self, chunk: Chunk) -> range:
        """Rows of the sentences that start inside `chunk`."""
        return self.chunks.sentence_rows(self.chunk_rows[chunk.id])

    def dense_search(
        self, query: np.ndarray, k: int, sources: Collection[str] | None = None
    ) -> list[tuple[int, float]]:
        """Up to k (row, similarity) pairs, best first: exact when the index is or a filter is given."""
        q = np.asarray(query, dtype=np.float32)
        if sources:
            sql = (
                "SELECT pos, -(embedding <#> %s) AS sim FROM {s}.chunks WHERE source = ANY(%s) "
                "ORDER BY sim DESC, pos LIMIT %s"
            )
            return [(int(r), float(s)) for r, s in self.query(sql, [q, list(sources), k])]
        if self.exact:
            sql = "SELECT pos, -(embedding <#> %s) AS sim FROM {s}.chunks ORDER BY sim DESC, pos LIMIT %s"
            return [(int(r), float(s)) for r, s in self.query(sql, [q, k])]
        sql = "SELECT pos, -(embedding <#> %s) FROM {s}.chunks ORDER BY embedding <#> %s LIMIT %s"
        return [(int(r), float(s)) for r, s in self.query(sql, [q, q, k])]

    def lexical_search(self, query: str, k: int, sources: Collection[str] | None = None) -> list[tuple[int, float]]:
        """Up to k (row, BM25 score) pairs, best first: the sum of each query term's weight in the chunk.

        Unfiltered, each query term's packed postings are read in one fetch and summed here (exact,
        term at a time); with `sources`, the postings' B-tree is joined to those articles' chunks."""
        from .lexical import analyse, top_scores

        terms = analyse(query)
        if not terms:
            return []
        if sources:
            sql = (
                "SELECT p.pos, sum(p.weight) AS score FROM unnest(%s::text[]) AS q(term) "
                "JOIN {s}.postings p ON p.term = q.term JOIN {s}.chunks c ON c.pos = p.pos AND c.source = ANY(%s) "
                "GROUP BY p.pos ORDER BY score DESC, p.pos LIMIT %s"
            )
            return [(int(r), float(s)) for r, s in self.query(sql, [terms, list(sources), k]) if s > 0]
        sql = "SELECT term, rows, weights FROM {s}.terms WHERE term = ANY(%s) AND rows IS NOT NULL"
        packed = {t: (r, w) for t, r, w in self.query(sql, [sorted(set(terms))], binary=True)}
        return top_scores(packed, terms, self.lexical.size, k)

    def similarities(self, query: np.ndarray, rows: list[int]) -> dict[int, float]:
        """Cosine similarity of the query to these rows."""
        sql = "SELECT pos, -(embedding <#> %s) FROM {s}.chunks WHERE pos = ANY(%s)"
        return {int(r): float(s) for r, s in self.query(sql, [np.asarray(query, dtype=np.float32), list(rows)])}


def current(conn: Any, name: str) -> tuple[int, dict[str, Any]] | None:
    """The current generation of index `name` and its manifest, or None if there is none."""
    exists = conn.execute("SELECT to_regclass(%s)", (CONTROL,)).fetchone()[0]
    if exists is None:
        return None
    row = conn.execute(f"SELECT generation, manifest FROM {CONTROL} WHERE name = %s", (name,)).fetchone()
    return None if row is None else (int(row[0]), row[1])


def exists(location: str) -> bool:
    """Whether the database at `location` holds the index it names; IndexWriteError if it cannot be reached."""
    import psycopg

    conninfo, name = parse_location(location)
    try:
        with pool(conninfo).connection() as conn:
            return current(conn, name) is not None
    except psycopg.Error as exc:
        raise IndexWriteError(f"cannot reach the database {redact(conninfo)}: {reason(exc)}") from exc


def open_index(location: str) -> PgIndex:
    """Open the current generation of the index at `location`. Raises IndexStateError saying how to fix it."""
    import psycopg

    conninfo, name = parse_location(location)
    try:
        with pool(conninfo).connection() as conn:
            found = current(conn, name)
        if found is None:
            raise IndexStateError(f"no index {name!r} in {redact(conninfo)}; run: assistant index --store URL")
        generation, manifest = found
        problem = manifest_problem(manifest)
        if manifest.get("database", {}).get("layout") != LAYOUT:
            problem = "tables of an earlier layout"
        if problem is not None or manifest.get("schema_version") != SCHEMA_VERSION:
            raise IndexStateError(f"index {name!r} has a manifest this version cannot read ({problem or 'schema'}); "
                                  "run: assistant index --rebuild --store URL")  # fmt: skip
        return PgIndex(location, generation, manifest).check()
    except psycopg.Error as exc:
        raise IndexStateError(f"cannot read the index in {redact(conninfo)}: {reason(exc)}") from exc
