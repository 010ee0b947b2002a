"""BM25 over chunk texts with bm25s: built once at indexing time, saved as JSON and .npy."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

# Numbers keep their decimal point ("20.7", "3.744") so figures match as one token.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
# English function words, including question words that carry no topic.
STOPWORDS = frozenset(
    """a an and are as at be been but by did do does for from had has have how i if in into is it
    its me much many of on or our so such than that the their them then there these they this
    those to was we were what when where which while who whom whose why will with would you your
    about can could should tell say said""".split()  # noqa: SIM905
)


def _bm25s() -> Any:
    import logging

    import bm25s

    # bm25s sets its own logger to DEBUG; a library should stay quiet.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65_536)
def terms(text: str) -> frozenset[str]:
    """The set of `analyse(text)`, cached: article sentences are scored for question after question."""
    return frozenset(analyse(text))


def analyse(text: str) -> list[str]:
    """Lower-cased, stemmed content words and numbers of `text`."""
    words = [w for w in _TOKEN.findall(text.lower().replace("’", "'")) if w not in STOPWORDS]
    return list(_stemmer().stemWords(words)) if words else []


class LexicalIndex:
    """A BM25 index whose row i is chunk i."""

    def __init__(self, bm25: Any, size: int) -> None:
        self._bm25 = bm25
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        bm25 = _bm25s().BM25()
        # An empty document still needs a row, so rows stay aligned with chunks.
        bm25.index([analyse(t) or ["\x00"] for t in texts] or [["\x00"]], show_progress=False)
        return cls(bm25, len(texts))

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), allow_pickle=False, show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> LexicalIndex:
        bm25 = _bm25s().BM25.load(str(folder), allow_pickle=False, mmap=False, show_progress=False)
        return cls(bm25, size)

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Up to k (row, score) pairs with a positive score, best first."""
        terms = [t for t in analyse(query) if t in self._bm25.vocab_dict]
        if not terms or self.size == 0:
            return []
        scores = np.asarray(self._bm25.get_scores(terms), dtype=np.float32)[: self.size]
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(k, self.size)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    @property
    def vocabulary(self) -> Mapping[str, int]:
        return self._bm25.vocab_dict  # type: ignore[no-any-return]

    def rows(self, term: str) -> np.ndarray:
        """The rows (chunks) whose text holds the analysed `term`."""
        tid = self._bm25.vocab_dict.get(term)
        if tid is None:
            return np.empty(0, dtype=np.int64)
        indptr = self._bm25.scores["indptr"]
        return np.asarray(self._bm25.scores["indices"][indptr[tid] : indptr[tid + 1]])

    def idf(self, terms: Iterable[str]) -> dict[str, float]:
        """Inverse document frequency of analysed terms; unseen terms get the highest value."""
        n = max(self.size, 1)
        indptr = self._bm25.scores["indptr"]
        out: dict[str, float] = {}
        for term in terms:
            tid = self._bm25.vocab_dict.get(term)
            df = 0 if tid is None else int(indptr[tid + 1] - indptr[tid])
            out[term] = float(np.log(1 + (n - df + 0.5) / (df + 0.5)))
        return out


def top_scores(packed: dict[str, tuple[bytes, bytes]], terms: list[str], size: int, k: int) -> list[tuple[int, float]]:
    """The k best (row, score) pairs, score descending then row, of the sums of the query terms' BM25
    weights, from each term's packed postings: its chunk rows and their weights as big-endian int4
    and float4 byte strings (the PostgreSQL store's). A term the query repeats counts each time."""
    scores = np.zeros(size, dtype=np.float32)
    for term in terms:
        if term in packed:
            rows, weights = packed[term]
            scores[np.frombuffer(rows, dtype=">i4")] += np.frombuffer(weights, dtype=">f4")
    hit = np.flatnonzero(scores > 0)
    if len(hit) > k:
        kth = np.partition(scores[hit], len(hit) - k)[len(hit) - k]
        hit = hit[scores[hit] >= kth]
    best = hit[np.lexsort((hit, -scores[hit]))][:k]
    return [(int(r), float(scores[r])) for r in best]
