"""Hybrid retrieval on the PostgreSQL store at a given size, beside FAISS + bm25s on the same chunks.

    python -m assistant.pg_bench --store postgresql://… --chunks 10000

The chunks are the benchmark's scale data (real English, embedded once with the model and cached,
see `bench.scale_texts`), one article each; the questions are the scale runs' cached queries.
Prints one JSON object: build seconds, dense and hybrid p50/p95 per query, recall@10 of the dense
search against exact search, for the database (exact and HNSW) and for the files; and the memory a
fresh process holds for the opened index (over the same process with the libraries loaded and
nothing opened), after answering the queries' searches.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click
import numpy as np

from .bench import (
    _cache_file,
    _load_scale_data,
    _pcts,
    _rss_mb,
    _timed,
    prepare_scale_data,
    prepare_scale_queries,
)
from .retrieval import rrf


def _hybrid(store: Any, qvec: np.ndarray, qtext: str) -> list[int]:
    """What HybridRetriever.search does with an index: 50 candidates each, fused, top 10."""
    d = [r for r, _ in store.dense_search(qvec, 50)]
    lx = [r for r, _ in store.lexical_search(qtext, 50)]
    fused = rrf([(d, 1.0), (lx, 1.5)], 30)
    return sorted(fused, key=lambda r: (-fused[r], r))[:10]


def _measure(store: Any, qtexts: list[str], qvecs: np.ndarray, exact: np.ndarray) -> dict[str, Any]:
    rows = list(range(len(qtexts)))
    _hybrid(store, qvecs[0], qtexts[0])  # warm: connections, caches
    dense_s = _timed(lambda i: store.dense_search(qvecs[i], 10), rows)
    hybrid_s = _timed(lambda i: _hybrid(store, qvecs[i], qtexts[i]), rows)
    hits = [[r for r, _ in store.dense_search(qvecs[i], 10)] for i in rows]
    recall = statistics.fmean(len(set(a) & set(b)) / 10 for a, b in zip(hits, exact.tolist(), strict=True))
    return {"dense": _pcts(dense_s), "hybrid": _pcts(hybrid_s), "recall@10_vs_exact": recall}


def build_pg(location: str, texts: list[str], vectors: np.ndarray, kind: str) -> float:
    """Write the scale chunks as a new generation of the index at `location`; seconds taken."""
    from .pg_generation import Rows, write_generation
    from .pg_store import connect, parse_location, register_types
    from .pg_sync import _lock_key, setup
    from .records import Article, Chunk

    conninfo, name = parse_location(location)
    rows = Rows()
    for i, text in enumerate(texts):
        article = Article(f"scale-{i:07d}", "", text)
        rows.add_fresh(article, [Chunk(f"{article.source}#0", article.source, "", 0, 0, len(text), text)], [])
    fingerprint = {"model": {"name": "all-MiniLM-L6-v2", "dim": vectors.shape[1]}, "chunking": {"scale": True}}
    t = time.perf_counter()
    with connect(conninfo) as conn:
        setup(conn)
        register_types(conn)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (_lock_key(name),))
            write_generation(conn, name, rows, vectors, np.zeros((0, vectors.shape[1]), np.float32), kind, fingerprint)
    return time.perf_counter() - t


def write_folder(folder: Path, texts: list[str], vectors: np.ndarray) -> None:
    """The scale chunks as an index folder, one article each, as `assistant index` writes it."""
    from .records import Article, Chunk
    from .store import write_index

    articles = [Article(f"scale-{i:07d}", "", t) for i, t in enumerate(texts)]
    chunks = [Chunk(f"{a.source}#0", a.source, "", 0, 0, len(a.text), a.text) for a in articles]
    fingerprint = {"model": {"name": "all-MiniLM-L6-v2", "dim": vectors.shape[1]}, "chunking": {"scale": True}}
    write_index(folder, articles, chunks, vectors, [], np.zeros((0, vectors.shape[1]), np.float32), fingerprint, "flat")


def child_rss(where: str, queries: int) -> dict[str, float]:
    """In a fresh process: memory before and after opening the index at `where` and searching it."""
    import faiss  # noqa: F401  # every library either store loads, before the baseline
    import psycopg_pool  # noqa: F401

    from . import lexical, pg_store, store

    lexical._bm25s()
    qtexts = json.loads(_cache_file("queries.json").read_text(encoding="utf-8"))[:queries]
    qvecs = np.load(_cache_file("queries.npy"))[: len(qtexts)]
    base = _rss_mb(current=True)
    index: Any = pg_store.open_index(where) if where.startswith("postgresql") else store.open_index(Path(where))
    for q, v in zip(qtexts, qvecs, strict=True):
        _hybrid(index, v, q)
    return {"baseline_mb": base, "serving_mb": _rss_mb(current=True), "index_mb": _rss_mb(current=True) - base}


def _rss_of(where: str, queries: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-m", "assistant.pg_bench", "--child", where, "--queries", str(queries)],
                         capture_output=True, text=True, check=True)  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


@click.command()
@click.option("--store", default=None, help="postgresql://… (indexes bench_<n>_<kind> are written there)")
@click.option("--chunks", "n", default=10_000, show_default=True)
@click.option("--queries", default=100, show_default=True)
@click.option("--child", default=None, hidden=True)
def main(store: str | None, n: int, queries: int, child: str | None) -> None:
    from . import dense
    from .lexical import LexicalIndex
    from .pg_store import open_index, with_index_name
    from .store import IndexData

    if child is not None:
        click.echo(json.dumps(child_rss(child, queries)))
        return
    if store is None:
        raise click.UsageError("--store postgresql://… is required")

    n, _ = prepare_scale_data(n, progress=lambda m: click.echo(m, err=True))
    prepare_scale_queries(n, queries)
    texts, vectors = _load_scale_data(n)
    qtexts = json.loads(_cache_file("queries.json").read_text(encoding="utf-8"))[:queries]
    qvecs = np.load(_cache_file("queries.npy"))[: len(qtexts)]
    exact = np.argsort(-(qvecs @ vectors.T), axis=1)[:, :10]
    report: dict[str, Any] = {"chunks": n, "queries": len(qtexts)}
    t = time.perf_counter()
    files = IndexData(None, {}, {}, [], dense.build(vectors, "flat"), LexicalIndex.build(texts))  # type: ignore[arg-type]
    report["files_flat"] = {"build_s": time.perf_counter() - t, **_measure(files, qtexts, qvecs, exact)}
    for kind in ("flat", "hnsw"):
        location = with_index_name(store, f"bench_{n}_{kind}")
        build_s = build_pg(location, texts, vectors, kind)
        report[f"postgresql_{kind}"] = {"build_s": build_s, **_measure(open_index(location), qtexts, qvecs, exact),
                                        "memory": _rss_of(location, queries)}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        write_folder(Path(tmp) / "index", texts, vectors)
        report["files_flat"]["memory"] = _rss_of(str(Path(tmp) / "index"), queries)
    click.echo(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
