"""The PostgreSQL store measured beside the index folder, as part of `assistant bench` or alone.

    python -m assistant.measure.pg_bench --store postgresql://… --chunks 10000 [--chunks 100000] [--servers 1,2,4]

Scale: the chunks are the benchmark's scale data (real English, embedded once with the model and
cached, see `scale.scale_texts`), one article each; the questions are the scale runs' cached
queries. For each size: build seconds, dense and hybrid p50/p95 per query, recall@10 of the dense
search against exact search, for the database (exact and HNSW) and for the files; and the memory a
fresh process holds for the opened index (over the same process with the libraries loaded and
nothing opened) after each query's searches and the reads a question makes of its index.

Serving: answers per second of 1, 2 and 4 chat servers sharing one database under the load test,
beside one server on the index folder. Without --store, a PostgreSQL of its own (pgserver) is
started in a temporary folder. Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import numpy as np

from ..retrieval import rrf
from .probes import latency_pcts, rss_mb, timed
from .scale import cache_file, load_scale_data, prepare_scale_data, prepare_scale_queries


def _hybrid(store: Any, qvec: np.ndarray, qtext: str) -> list[int]:
    """What HybridRetriever.search does with an index: 50 candidates each, fused, top 10."""
    d = [r for r, _ in store.dense_search(qvec, 50)]
    lx = [r for r, _ in store.lexical_search(qtext, 50)]
    fused = rrf([(d, 1.0), (lx, 1.5)], 30)
    return sorted(fused, key=lambda r: (-fused[r], r))[:10]


def _measure(store: Any, qtexts: list[str], qvecs: np.ndarray, exact: np.ndarray) -> dict[str, Any]:
    rows = list(range(len(qtexts)))
    _hybrid(store, qvecs[0], qtexts[0])  # warm: connections, caches
    dense_s = timed(lambda i: store.dense_search(qvecs[i], 10), rows)
    hybrid_s = timed(lambda i: _hybrid(store, qvecs[i], qtexts[i]), rows)
    hits = [[r for r, _ in store.dense_search(qvecs[i], 10)] for i in rows]
    recall = statistics.fmean(len(set(a) & set(b)) / 10 for a, b in zip(hits, exact.tolist(), strict=True))
    return {"dense": latency_pcts(dense_s), "hybrid": latency_pcts(hybrid_s), "recall@10_vs_exact": recall}


def _question_reads(index: Any, question: str, rows: list[int]) -> None:
    """What answering reads of an index besides the search: the passages, the plan's term statistics
    and the articles' features (a store that derives them from every article does so here)."""
    from ..store.lexical import analyse

    terms = analyse(question)
    for chunk in index.chunks_at(rows):
        index.sentence_rows(chunk)
        index.articles.get(chunk.source)
    index.lexical.idf(terms)
    _ = [t in index.lexical.vocabulary or t in index.metadata_terms or index.term_articles[t] for t in terms]
    _ = index.attribution_terms, index.scripts


def build_pg(location: str, texts: list[str], vectors: np.ndarray, kind: str) -> float:
    """Write the scale chunks as a new generation of the index at `location`; seconds taken."""
    from ..records import Article, Chunk
    from ..store.postgres import connect, parse_location, register_types
    from ..store.postgres_generation import Rows, write_generation
    from ..store.postgres_sync import _lock_key, setup

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
    from ..records import Article, Chunk
    from ..store.files_sync import write_index

    articles = [Article(f"scale-{i:07d}", "", t) for i, t in enumerate(texts)]
    chunks = [Chunk(f"{a.source}#0", a.source, "", 0, 0, len(a.text), a.text) for a in articles]
    fingerprint = {"model": {"name": "all-MiniLM-L6-v2", "dim": vectors.shape[1]}, "chunking": {"scale": True}}
    write_index(folder, articles, chunks, vectors, [], np.zeros((0, vectors.shape[1]), np.float32), fingerprint, "flat")


def child_rss(where: str, queries: int) -> dict[str, float]:
    """In a fresh process: memory before and after opening the index at `where` and searching it."""
    import faiss  # noqa: F401  # every library either store loads, before the baseline
    import psycopg_pool  # noqa: F401

    from ..store import files as store
    from ..store import lexical
    from ..store import postgres as pg_store

    lexical._bm25s()
    qtexts = json.loads(cache_file("queries.json").read_text(encoding="utf-8"))[:queries]
    qvecs = np.load(cache_file("queries.npy"))[: len(qtexts)]
    base = rss_mb(current=True)
    index: Any = pg_store.open_index(where) if where.startswith("postgresql") else store.open_index(Path(where))
    for q, v in zip(qtexts, qvecs, strict=True):
        _question_reads(index, q, _hybrid(index, v, q))
    return {"baseline_mb": base, "serving_mb": rss_mb(current=True), "index_mb": rss_mb(current=True) - base}


def _rss_of(where: str, queries: int) -> dict[str, float]:
    child = [sys.executable, "-m", "assistant.measure.pg_bench", "--child", where, "--queries", str(queries)]
    out = subprocess.run(child, capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def measure_size(store: str, n: int, queries: int, log: Callable[[str], None]) -> dict[str, Any]:
    """The database (exact and HNSW) and the index folder (FAISS flat + bm25s) at n scale chunks."""
    from ..store import dense
    from ..store.files import IndexData
    from ..store.lexical import LexicalIndex
    from ..store.postgres import open_index, with_index_name

    texts, vectors = load_scale_data(n)
    qtexts = json.loads(cache_file("queries.json").read_text(encoding="utf-8"))[:queries]
    qvecs = np.load(cache_file("queries.npy"))[: len(qtexts)]
    exact = np.argsort(-(qvecs @ vectors.T), axis=1)[:, :10]
    report: dict[str, Any] = {"chunks": n, "queries": len(qtexts)}
    log(f"postgresql: {n:,} chunks, the index folder's search …")
    t = time.perf_counter()
    files = IndexData(None, {}, {}, [], dense.build(vectors, "flat"), LexicalIndex.build(texts))  # type: ignore[arg-type]
    report["files_flat"] = {"build_s": time.perf_counter() - t, **_measure(files, qtexts, qvecs, exact)}
    del files
    with tempfile.TemporaryDirectory() as tmp:
        write_folder(Path(tmp) / "index", texts, vectors)
        report["files_flat"]["memory"] = _rss_of(str(Path(tmp) / "index"), queries)
    for kind in ("flat", "hnsw"):
        log(f"postgresql: {n:,} chunks, {kind}: build, search, then memory in a fresh process …")
        location = with_index_name(store, f"bench_{n}_{kind}")
        build_s = build_pg(location, texts, vectors, kind)
        memory = _rss_of(location, queries)
        memory["vs_files"] = memory["index_mb"] / report["files_flat"]["memory"]["index_mb"]
        report[f"postgresql_{kind}"] = {"build_s": build_s, **_measure(open_index(location), qtexts, qvecs, exact),
                                        "memory": memory}  # fmt: skip
    return report


def serving(store: str, servers: Sequence[int], conversations: int, turns: int, log: Callable[[str], None]
            ) -> dict[str, Any]:  # fmt: skip
    """Answers per second of chat servers sharing one database under the load test (the shipped corpus),
    beside one server on the index folder; each server's resident memory at the end."""
    from ..core import Assistant
    from ..settings import PROJECT_ROOT
    from ..store.postgres import with_index_name
    from .chat_processes import start_servers, stop_servers
    from .loadtest import conversations_from_gold, run_load

    location = with_index_name(store, "bench_chat")
    Assistant(store=location).index()
    scripts = conversations_from_gold(PROJECT_ROOT / "eval" / "news" / "gold.jsonl")
    out: dict[str, Any] = {"conversations": conversations, "turns": turns}
    for label, count, where in [("files_1", 1, None), *((f"postgresql_{n}", n, location) for n in servers)]:
        log(f"serving: {label.replace('_', ', ')} chat server(s) under the load test …")
        started = start_servers(count, store=where)
        try:
            report = run_load([u for u, _ in started], conversations, turns, scripts, timeout_s=900).summary()
            report["server_rss_mb"] = [_process_rss_mb(p.pid) for _, p in started]
        finally:
            stop_servers(started)
        out[label] = report
    for n in servers:
        out[f"postgresql_{n}"]["answers_per_s_vs_files_1"] = (
            out[f"postgresql_{n}"]["answers_per_s"] / out["files_1"]["answers_per_s"]
        )
    return out


def _process_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def database(store: str | None) -> Iterator[str]:
    """`store`, or a PostgreSQL of its own in a temporary folder (pgserver) for the run."""
    if store is not None:
        yield store
        return
    import pgserver

    with tempfile.TemporaryDirectory(prefix="assistant-bench-postgres-") as tmp:
        os.chmod(tmp, 0o755)  # as root, pgserver runs the server as a user of its own
        server = pgserver.get_server(Path(tmp) / "data", cleanup_mode="stop")
        try:
            yield str(server.get_uri())
        finally:
            from ..store.postgres import close_pools

            close_pools()
            server.cleanup()


def run(quick: bool, store: str | None = None, log: Callable[[str], None] = print) -> dict[str, Any]:
    """What `assistant bench` adds for the PostgreSQL store: 10,000 and 100,000 chunks and 1, 2 and 4 chat
    servers; `quick`: 1,000 chunks and no chat servers (the tests run two servers on one database)."""
    import importlib.util

    if store is None and importlib.util.find_spec("pgserver") is None:
        return {"skipped": "no PostgreSQL: set ASSISTANT_STORE=postgresql://… or pip install -e '.[dev]' (pgserver)"}
    sizes, queries = ([1_000], 30) if quick else ([10_000, 100_000], 100)
    available, _ = prepare_scale_data(sizes[-1], progress=log)
    prepare_scale_queries(sizes[0], queries)
    with database(store) as where:
        report: dict[str, Any] = {"sizes": [measure_size(where, n, queries, log) for n in sizes if n <= available]}
        if not quick:
            report["serving"] = serving(where, [1, 2, 4], 50, 3, log)
    return report


def table(report: dict[str, Any]) -> str:
    """The PostgreSQL figures as Markdown."""
    if "skipped" in report:
        return f"(skipped: {report['skipped']})"
    lines = [
        "| chunks | store | build (s) | dense p50 (ms) | hybrid p50 / p95 (ms) | recall@10 vs exact | "
        "memory for the index (MB) | vs folder |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size in report["sizes"]:
        for key in ("files_flat", "postgresql_flat", "postgresql_hnsw"):
            t = size[key]
            lines.append(
                f"| {size['chunks']:,} | {key.replace('_', ' ')} | {t['build_s']:.1f} | {t['dense']['p50_ms']:.1f} | "
                f"{t['hybrid']['p50_ms']:.1f} / {t['hybrid']['p95_ms']:.1f} | {t['recall@10_vs_exact']:.3f} | "
                f"{t['memory']['index_mb']:.1f} | {t['memory'].get('vs_files', 1.0):.2f} |"
            )
    if "serving" not in report:
        return "\n".join(lines)
    s = report["serving"]
    lines += ["", f"Load test, {s['conversations']} conversations × {s['turns']} turns on the shipped corpus:", "",
              "| chat servers | answers/s | vs 1 on the folder | p50 / p95 (ms) | errors | invalid citations | "
              "RSS per server (MB) |", "|---|---|---|---|---|---|---|"]  # fmt: skip
    for key, t in s.items():
        if isinstance(t, dict):
            lines.append(
                f"| {key.replace('_', ', ')} | {t['answers_per_s']} | {t.get('answers_per_s_vs_files_1', 1.0):.2f} | "
                f"{t['latency_p50_ms']} / {t['latency_p95_ms']} | {t['errors']} | {t['invalid_citations']} | "
                f"{', '.join(f'{m:.0f}' for m in t['server_rss_mb'])} |"
            )
    return "\n".join(lines)


@click.command()
@click.option("--store", default=None, help="postgresql://… (default: a temporary server of its own)")
@click.option("--chunks", "sizes", multiple=True, type=int, default=[10_000], show_default=True)
@click.option("--queries", default=100, show_default=True)
@click.option("--servers", default="", help="Also the load test with these numbers of chat servers: 1,2,4")
@click.option("--conversations", default=50, show_default=True)
@click.option("--child", default=None, hidden=True)
def main(store: str | None, sizes: tuple[int, ...], queries: int, servers: str, conversations: int,
         child: str | None) -> None:  # fmt: skip
    if child is not None:
        click.echo(json.dumps(child_rss(child, queries)))
        return

    def log(message: str) -> None:
        click.echo(message, err=True)

    available, _ = prepare_scale_data(max(sizes), progress=log)
    prepare_scale_queries(min(sizes), queries)
    with database(store) as where:
        report: dict[str, Any] = {"sizes": [measure_size(where, n, queries, log) for n in sizes if n <= available]}
        if servers:
            report["serving"] = serving(where, [int(n) for n in servers.split(",")], conversations, 3, log)
    click.echo(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
