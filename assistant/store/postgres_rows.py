"""What a PostgreSQL reader reads per question instead of holding: rows fetched on demand, cached.

Articles (with their texts), chunks, sentences, sentence vectors and term statistics of one
generation are read when a question needs them, in one query per kind, into caches of bounded
size; whole-collection reads (every sentence, every article) page through the table without
holding it. So a chat server's memory does not grow with the index.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar, overload

import numpy as np

from ..records import Article, Chunk, Sentence

K = TypeVar("K")
V = TypeVar("V")
PAGE = 5_000  # rows per query when a whole table is read


class Queries(Protocol):
    """What the rows are read through: a generation's `query` (`{s}` is its schema)."""

    def query(self, sql: str, params: Any = None, binary: bool = False) -> list[Any]: ...


class Cache(Generic[K, V]):
    """A thread-safe least-recently-used map of at most `limit` items."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys: Iterable[K]) -> dict[K, V]:
        with self._lock:
            found = {k: self._items[k] for k in keys if k in self._items}
            for k in found:
                self._items.move_to_end(k)
        return found

    def put_many(self, items: Mapping[K, V]) -> None:
        with self._lock:
            self._items.update(items)
            for k in items:
                self._items.move_to_end(k)
            while len(self._items) > self.limit:
                self._items.popitem(last=False)

    def through(self, keys: Sequence[K], load: Callable[[list[K]], Mapping[K, V]]) -> dict[K, V]:
        """The values of `keys`: cached ones, and the rest loaded in one call (missing keys stay out)."""
        if len(keys) == 1:  # the common case of a row or an article at a time, without building a request
            with self._lock:
                if keys[0] in self._items:
                    self._items.move_to_end(keys[0])
                    return {keys[0]: self._items[keys[0]]}
        found = self.get_many(keys)
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        if missing:
            loaded = load(missing)
            self.put_many(loaded)
            found.update(loaded)
        return found


def pages(db: Queries, columns: str, table: str, key: str = "pos") -> Iterator[tuple[Any, ...]]:
    """Every row of `table` in `key` order (`key` first, then `columns`), a page per query."""
    after = -1
    while True:
        rows = db.query(f"SELECT {key}, {columns} FROM {{s}}.{table} WHERE {key} > %s ORDER BY {key} LIMIT {PAGE}",
                        [after])  # fmt: skip
        yield from rows
        if len(rows) < PAGE:
            return
        after = rows[-1][0]


class RemoteSentences(Sequence[Sentence]):
    """The sentences by row, read when asked for and kept in a bounded cache."""

    def __init__(self, db: Queries, count: int, cache: int = 20_000) -> None:
        self._db = db
        self._count = count
        self.cache: Cache[int, Sentence] = Cache(cache)

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, row: int) -> Sentence: ...

    @overload
    def __getitem__(self, row: slice) -> Sequence[Sentence]: ...

    def __getitem__(self, row: int | slice) -> Sentence | Sequence[Sentence]:
        if isinstance(row, slice):
            return self.fetch(range(self._count)[row])
        if not -self._count <= row < self._count:
            raise IndexError(row)
        return self.fetch([row % self._count])[0]

    def __iter__(self) -> Iterator[Sentence]:
        """Every sentence, a page at a time; they are cached as they pass (a question about the whole
        collection reads them again by row), and read from the cache when it holds them all (a
        generation's rows never change)."""
        if self._count <= self.cache.limit:
            held = self.cache.get_many(range(self._count))
            if len(held) == self._count:
                yield from (held[row] for row in range(self._count))
                return
        for pos, record in pages(self._db, "record", "sentences"):
            sentence = Sentence(**record)
            self.cache.put_many({pos: sentence})
            yield sentence

    def fetch(self, rows: Sequence[int]) -> list[Sentence]:
        sql = "SELECT pos, record FROM {s}.sentences WHERE pos = ANY(%s)"
        found = self.cache.through(rows, lambda m: {p: Sentence(**r) for p, r in self._db.query(sql, [m])})
        return [found[r] for r in rows]


class RemoteChunks(Sequence[Chunk]):
    """The chunk records by row, read when asked for (with their sentences) and kept in a bounded cache."""

    def __init__(self, db: Queries, count: int, sentences: RemoteSentences, cache: int = 4096) -> None:
        self._db = db
        self._count = count
        self._sentences = sentences
        self.cache: Cache[int, tuple[Chunk, range]] = Cache(cache)
        self.rows: Cache[str, int] = Cache(cache)  # chunk id -> row, for the chunks read lately

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, row: int) -> Chunk: ...

    @overload
    def __getitem__(self, row: slice) -> Sequence[Chunk]: ...

    def __getitem__(self, row: int | slice) -> Chunk | Sequence[Chunk]:
        if isinstance(row, slice):
            return self.fetch(range(self._count)[row])
        if not -self._count <= row < self._count:
            raise IndexError(row)
        return self.fetch([row % self._count])[0]

    def __iter__(self) -> Iterator[Chunk]:
        """Every chunk, a page at a time, not cached."""
        for _, record in pages(self._db, "record", "chunks"):
            yield Chunk(**record)

    def fetch(self, rows: Sequence[int]) -> list[Chunk]:
        """The chunks of these rows, in one query for those not cached; their sentences (and the one
        before each, which the evidence reads too) in one more."""
        found = self.cache.through(rows, self._load)
        for r in rows:
            if r not in found:
                raise IndexError(r)
        return [found[r][0] for r in rows]

    def _load(self, rows: list[int]) -> dict[int, tuple[Chunk, range]]:
        sql = "SELECT pos, record, sent_lo, sent_hi FROM {s}.chunks WHERE pos = ANY(%s)"
        out = {p: (Chunk(**r), range(lo, hi)) for p, r, lo, hi in self._db.query(sql, [rows])}
        self.rows.put_many({c.id: p for p, (c, _) in out.items()})
        wanted = sorted({s for _, span in out.values() for s in range(max(span.start - 1, 0), span.stop)})
        if wanted:
            self._sentences.fetch(wanted)
        return out

    def sentence_rows(self, row: int) -> range:
        """Rows of the sentences that start inside chunk `row`."""
        return self.cache.through([row], self._load)[row][1]


class ChunkRows(Mapping[str, int]):
    """Each chunk's row by its id: the chunks read lately from memory, others looked up."""

    def __init__(self, db: Queries, chunks: RemoteChunks) -> None:
        self._db = db
        self._chunks = chunks

    def __getitem__(self, chunk_id: str) -> int:
        sql = "SELECT id, pos FROM {s}.chunks WHERE id = ANY(%s)"
        found = self._chunks.rows.through([chunk_id], lambda ids: dict(self._db.query(sql, [ids])))
        if chunk_id not in found:
            raise KeyError(chunk_id)
        return found[chunk_id]

    def __len__(self) -> int:
        return len(self._chunks)

    def __iter__(self) -> Iterator[str]:
        for _, chunk_id in pages(self._db, "id", "chunks"):
            yield chunk_id


class RemoteArticles(Mapping[str, Article]):
    """The articles (with their texts) by source, read when asked for and kept in a bounded cache."""

    def __init__(self, db: Queries, count: int, cache: int = 256) -> None:
        self._db = db
        self._count = count
        self.cache: Cache[str, Article | None] = Cache(cache)

    def _get(self, source: str) -> Article | None:
        sql = "SELECT source, record FROM {s}.articles WHERE source = ANY(%s)"

        def load(missing: list[str]) -> dict[str, Article | None]:
            got: dict[str, Article | None] = {s: Article(**r) for s, r in self._db.query(sql, [missing])}
            return {s: got.get(s) for s in missing}  # "not an article" is remembered too

        return self.cache.through([source], load)[source]

    def __getitem__(self, source: str) -> Article:
        found = self._get(source) if isinstance(source, str) else None
        if found is None:
            raise KeyError(source)
        return found

    def __contains__(self, source: object) -> bool:
        return isinstance(source, str) and self._get(source) is not None

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[str]:
        for _, source in pages(self._db, "source", "articles", "ord"):
            yield source

    def values(self) -> Iterator[Article]:  # type: ignore[override]
        """Every article, in corpus order, a page at a time (not cached)."""
        for _, record in pages(self._db, "record", "articles", "ord"):
            yield Article(**record)

    def items(self) -> Iterator[tuple[str, Article]]:  # type: ignore[override]
        for article in self.values():
            yield article.source, article


class RemoteVectors:
    """Sentence vectors read from the database by row, as the memory-mapped array is indexed."""

    def __init__(self, db: Queries, count: int) -> None:
        self._db = db
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, rows: list[int]) -> np.ndarray:
        sql = "SELECT pos, embedding FROM {s}.sentences WHERE pos = ANY(%s)"  # binary: no parsing of the text form
        found = dict(self._db.query(sql, [list(rows)], binary=True))
        return np.stack([found[r].to_numpy() for r in rows]).astype(np.float32, copy=False)


class PgTerms:
    """The analysed terms' statistics, read per term and cached: BM25 document frequency (`idf`,
    `vocabulary`), the number of articles using each, and whether article metadata names it."""

    def __init__(self, db: Queries, size: int, cache: int = 50_000) -> None:
        self._db = db
        self.size = size
        self.cache: Cache[str, tuple[int, int, bool]] = Cache(cache)
        self.vocabulary = TermSet(self, 0)
        self.metadata = TermSet(self, 2)

    def stats(self, terms: Iterable[str]) -> dict[str, tuple[int, int, bool]]:
        sql = "SELECT term, df, articles, meta FROM {s}.terms WHERE term = ANY(%s)"

        def load(missing: list[str]) -> dict[str, tuple[int, int, bool]]:
            got = {t: (df, n, meta) for t, df, n, meta in self._db.query(sql, [missing])}
            return {t: got.get(t, (0, 0, False)) for t in missing}

        return self.cache.through(list(terms), load)

    def idf(self, terms: Iterable[str]) -> dict[str, float]:
        """As `LexicalIndex.idf`: unseen terms get the highest value."""
        n = max(self.size, 1)
        stats = self.stats(terms := list(terms))
        return {t: float(np.log(1 + (n - (df := stats[t][0]) + 0.5) / (df + 0.5))) for t in terms}

    def articles(self, term: str) -> int:
        """How many articles' texts use `term`."""
        return self.stats([term])[term][1]


class TermSet(Collection[str]):
    """The terms with a statistic set (BM25's vocabulary, the metadata's words), asked term by term."""

    def __init__(self, terms: PgTerms, field: int) -> None:
        self._terms = terms
        self._field = field

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and bool(self._terms.stats([term])[term][self._field])

    def __len__(self) -> int:
        column = "df > 0" if self._field == 0 else "meta"
        return int(self._terms._db.query(f"SELECT count(*) FROM {{s}}.terms WHERE {column}")[0][0])

    def __iter__(self) -> Iterator[str]:
        column = "df > 0" if self._field == 0 else "meta"
        return iter([t for (t,) in self._terms._db.query(f"SELECT term FROM {{s}}.terms WHERE {column}")])


class ArticleCounts:
    """In how many articles each analysed word occurs, as `Counter[term]` reads (0 for none)."""

    def __init__(self, terms: PgTerms) -> None:
        self._terms = terms

    def __getitem__(self, term: str) -> int:
        return self._terms.articles(term)
