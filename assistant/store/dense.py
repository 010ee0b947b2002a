"""FAISS indexes over L2-normalised vectors: exact by default, approximate as a setting."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

INDEX_TYPES = ("auto", "flat", "hnsw", "ivf")
EXACT_SUBSET_LIMIT = 50_000
# "auto": exact search up to here (about 10 ms a query at 100,000 chunks on 2 cores), HNSW past it.
APPROXIMATE_FROM = 150_000
MIN_RECALL = 0.95  # an approximate index must find this share of the exact top 10, or it is widened


def choose(n: int) -> str:
    """The index type "auto" means for n vectors."""
    return "flat" if n < APPROXIMATE_FROM else "hnsw"


def recall_at_10(index: Any, vectors: np.ndarray, sample: int = 200, seed: int = 0) -> float:
    """Share of the exact top 10 the index finds, for a sample of the vectors used as queries."""
    n = len(vectors)
    if n == 0:
        return 1.0
    rows = np.random.default_rng(seed).choice(n, size=min(sample, n), replace=False)
    queries = np.ascontiguousarray(vectors[rows], dtype=np.float32)
    k = min(10, n)
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :k]
    _, found = index.search(queries, k)
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(exact, found, strict=True)]))


def _faiss() -> Any:
    """faiss, imported on first use; typed Any because its SWIG stubs lag the real API."""
    import faiss

    return faiss


def build(vectors: np.ndarray, kind: str = "flat") -> Any:
    """A FAISS index over `vectors` (row i is chunk i), searched by inner product.

    "auto" picks flat or HNSW by size; an automatic HNSW is checked against exact search and
    searched wider until its recall@10 reaches MIN_RECALL.
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if kind != "auto":
        return _build(vectors, kind)
    index = _build(vectors, choose(len(vectors)))
    if choose(len(vectors)) == "hnsw":
        while recall_at_10(index, vectors) < MIN_RECALL and index.hnsw.efSearch < 2048:
            index.hnsw.efSearch *= 2
    return index


def _build(vectors: np.ndarray, kind: str) -> Any:
    faiss = _faiss()
    faiss.omp_set_num_threads(os.cpu_count() or 1)  # building (HNSW links, IVF training) uses every core
    n, dim = vectors.shape
    # Vectors are L2-normalised, so inner product is cosine similarity.
    index: Any
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 128
    elif kind == "ivf":
        nlist = max(1, min(4096, int(4 * np.sqrt(max(n, 1)))))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors if n >= nlist else np.repeat(vectors, nlist // max(n, 1) + 1, axis=0))
        index.nprobe = min(nlist, max(8, nlist // 8))
    else:
        raise ValueError(f"unknown index type {kind!r}; choose one of {', '.join(INDEX_TYPES)}")
    if n:
        index.add(vectors)
    if kind == "ivf":
        index.make_direct_map()  # so reconstruct() can score lexical-only hits
    return index


def save(index: Any, path: Path) -> None:
    """Write `index` to `path`. Python writes the bytes, so a full disk is an OSError (faiss's own
    writer reports a RuntimeError)."""
    data = _faiss().serialize_index(index)
    with path.open("wb") as fh:
        fh.write(data)


def load(path: Path) -> Any:
    faiss = _faiss()

    index = faiss.read_index(str(path))
    if isinstance(index, faiss.IndexIVF):
        index.make_direct_map()  # not always kept in the file; reconstruct() needs it
    return index


def search(index: Any, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
    """Up to k (row, similarity) pairs, best first; `allowed` limits the rows searched."""
    faiss = _faiss()

    if index.ntotal == 0:
        return []
    # One question is one thread's work: OpenMP threads waiting on each other cost more than they
    # save for a single query (16 ms instead of 2 at 20,000 chunks on a busy 2-core machine), and
    # concurrent users each get a core.
    faiss.omp_set_num_threads(1)
    k = min(k, index.ntotal)
    params: Any = None
    if allowed is not None:
        rows = np.flatnonzero(allowed).astype(np.int64)
        if not isinstance(index, faiss.IndexFlat) and len(rows) <= EXACT_SUBSET_LIMIT:
            # An approximate index visits few rows; a filter to some articles is searched exactly.
            sims = index.reconstruct_batch(rows) @ np.asarray(query, dtype=np.float32)
            best = np.argsort(-sims, kind="stable")[:k]
            return [(int(rows[i]), float(sims[i])) for i in best]
        selector = faiss.IDSelectorBatch(rows)
        # Each index family takes its own parameter class; the base class is refused by IVF.
        if isinstance(index, faiss.IndexIVF):
            params = faiss.SearchParametersIVF(sel=selector, nprobe=index.nprobe)
        elif isinstance(index, faiss.IndexHNSW):
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=index.hnsw.efSearch)
        else:
            params = faiss.SearchParameters(sel=selector)
    scores, ids = index.search(np.asarray(query, dtype=np.float32).reshape(1, -1), k, params=params)
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
