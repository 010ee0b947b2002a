"""FAISS indexes over L2-normalised vectors: exact by default, approximate as a setting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

INDEX_TYPES = ("flat", "hnsw", "ivf")


def build(vectors: np.ndarray, kind: str = "flat") -> Any:
    """A FAISS index over `vectors` (row i is chunk i), searched by inner product."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
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
        index.nprobe = max(1, nlist // 16)
    else:
        raise ValueError(f"unknown index type {kind!r}; choose one of {', '.join(INDEX_TYPES)}")
    if n:
        index.add(vectors)
    return index


def save(index: Any, path: Path) -> None:
    import faiss

    faiss.write_index(index, str(path))


def load(path: Path) -> Any:
    import faiss

    return faiss.read_index(str(path))


def search(index: Any, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
    """Up to k (row, similarity) pairs, best first; `allowed` limits the rows searched."""
    import faiss

    if index.ntotal == 0:
        return []
    k = min(k, index.ntotal)
    params = None
    if allowed is not None:
        selector = faiss.IDSelectorBatch(np.flatnonzero(allowed).astype(np.int64))
        params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
    scores, ids = index.search(np.asarray(query, dtype=np.float32).reshape(1, -1), k, params=params)
    return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
