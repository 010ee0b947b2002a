"""Indexing benchmark: a documentation folder indexed by the assistant and by the LangChain tutorial.

The docs-size case is real reference text nobody on the team wrote: the HTML, Markdown and plain
text documentation that Debian packages install under /usr/share/doc (Node.js's API reference,
Git's release notes, Valgrind's and libxslt's manuals), copied in a fixed order until the folder
holds the size asked for. Both pipelines run in fresh processes of the same run, one after the
other, with their models loaded before the clock starts: wall time, CPU time, tokens the model
reads per second against the CPU's arithmetic limit for the model, and peak memory.

`assistant bench` calls `run()`; `python -m assistant.measure.index_bench --child ...` is how it starts
the measured processes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

DOCS = Path("/usr/share/doc")
# (folder under /usr/share/doc, file suffixes): Node.js's API reference first, all.html left out (it repeats the rest).
SOURCES = (
    ("nodejs/api", (".md",)),
    ("git/RelNotes", (".txt",)),
    ("valgrind/html", (".html",)),
    ("libxslt1-dev", (".html",)),
    ("nettle-dev", (".html",)),
    ("git", (".txt", ".html")),
)
FULL_MB, QUICK_MB = 10.0, 0.1


def _candidates() -> Iterator[Path]:
    for folder, suffixes in SOURCES:
        root = DOCS / folder
        if root.is_dir():
            yield from sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in suffixes)


def docs_case(folder: Path, megabytes: float) -> dict[str, Any]:
    """Copy documentation files into `folder` until it holds `megabytes`; their count and size."""
    folder.mkdir(parents=True, exist_ok=True)
    budget, size, files = megabytes * 1e6, 0, 0
    for path in _candidates():
        if size >= budget:
            break
        if path.name == "all.html" or path.stat().st_size < 500:
            continue
        name = "_".join(path.relative_to(DOCS).parts)
        shutil.copyfile(path, folder / name)
        size += path.stat().st_size
        files += 1
    if not files:
        raise RuntimeError(f"no documentation under {DOCS} to build the docs case from")
    return {"files": files, "mb": size / 1e6, "source": f"{DOCS}: " + ", ".join(f for f, _ in SOURCES)}


def _cpu_s() -> float:
    times = os.times()
    return times.user + times.system


def child_assistant(corpus: Path, index: Path) -> dict[str, Any]:
    """`assistant index` from nothing, the model loaded first: chunk and sentence vectors, BM25, FAISS."""
    from ..core import Assistant
    from ..embed.sentence_vectors import embedded_at_build
    from .probes import cpu_flops, rss_mb

    bot = Assistant(corpus_dir=corpus, index_dir=index)
    bot.embedder.embed_query("load the model first")
    gflops = cpu_flops() / 1e9
    t0, c0 = time.perf_counter(), _cpu_s()
    bot.index(rebuild=True)
    seconds, cpu = time.perf_counter() - t0, _cpu_s() - c0
    data = bot._ready().data
    embedder = bot.embedder
    said = [data.articles[s.source].text[s.start : s.end] for s in data.sentences]
    embedded = [t for t in said if embedded_at_build(t)]  # the others are embedded when a question reads them
    read = set([c.text for c in data.chunks] + embedded)  # a text that repeats is embedded once
    tokens = sum(min(embedder.count_tokens(t), embedder.max_tokens) for t in read)
    return {"build_s": seconds, "cpu_s": cpu, "chunks": len(data.chunks), "sentences": len(embedded),
            "sentences_total": len(said), "tokens_embedded": tokens, "peak_rss_mb": rss_mb(),
            "cpu_gflops": gflops}  # fmt: skip


def child_peer(corpus: Path) -> dict[str, Any]:
    """The LangChain tutorial: load, RecursiveCharacterTextSplitter(1000, 200), MiniLM, FAISS and BM25Retriever."""
    from bs4 import BeautifulSoup
    from langchain_community.retrievers import BM25Retriever
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document

    from . import peer
    from .probes import cpu_flops, rss_mb

    embeddings = peer.embeddings()
    embeddings.embed_query("load the model first")
    gflops = cpu_flops() / 1e9
    t0, c0 = time.perf_counter(), _cpu_s()
    docs = []
    for path in sorted(corpus.iterdir()):
        raw = path.read_text(encoding="utf-8", errors="replace")
        text = BeautifulSoup(raw, "lxml").get_text() if path.suffix == ".html" else raw  # as WebBaseLoader does
        docs.append(Document(page_content=text, metadata={"source": path.name}))
    splits = peer.split(docs)
    FAISS.from_documents(splits, embeddings)
    BM25Retriever.from_documents(splits)
    seconds, cpu = time.perf_counter() - t0, _cpu_s() - c0
    tokenizer = embeddings._client.tokenizer
    limit = int(embeddings._client.max_seq_length or 256)
    tokens = sum(min(len(ids), limit) for ids in tokenizer([d.page_content for d in splits])["input_ids"])
    return {"build_s": seconds, "cpu_s": cpu, "chunks": len(splits), "tokens_embedded": tokens,
            "peak_rss_mb": rss_mb(), "cpu_gflops": gflops}  # fmt: skip


def _run_child(*args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-m", "assistant.measure.index_bench", "--child", *args],
                          capture_output=True, text=True, timeout=4 * 3600)  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark process {args[0]} failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def run(quick: bool, work: Path, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Both pipelines on the docs case (a small one with `quick`), side by side.

    Each process measures the CPU's FLOP/s just before its build: on a shared machine the
    arithmetic limit moves with the load, so each side is held to the limit of its own moment.
    """
    from .probes import matmul_parameters

    corpus = work / "docs"
    case = docs_case(corpus, QUICK_MB if quick else FULL_MB)
    log(f"indexing: {case['files']} documentation files, {case['mb']:.1f} MB — LangChain tutorial pipeline …")
    peer = _run_child("peer", str(corpus))
    log("indexing: the assistant …")
    ours = _run_child("assistant", str(corpus), str(work / "docs-index"))  # from nothing, as its peer
    params = matmul_parameters()
    for side in (peer, ours):
        side["tokens_per_s"] = side["tokens_embedded"] / side["build_s"]
        side["tokens_per_s_limit"] = side["cpu_gflops"] * 1e9 / (2 * params)
        side["share_of_limit"] = side["tokens_per_s"] / side["tokens_per_s_limit"]
    return {"case": case, "peer": peer, "assistant": ours, "build_vs_peer": ours["build_s"] / peer["build_s"]}


def table(report: dict[str, Any]) -> str:
    """The indexing comparison as Markdown."""
    case, peer, ours = report["case"], report["peer"], report["assistant"]
    rows = [
        f"Indexing {case['files']} documentation files ({case['mb']:.1f} MB, {case['source']}):",
        "",
        "| measure | LangChain tutorial | assistant | ratio |",
        "|---|---|---|---|",
        f"| build wall time (s) | {peer['build_s']:.1f} | {ours['build_s']:.1f} | {report['build_vs_peer']:.2f} |",
        f"| build CPU time (s) | {peer['cpu_s']:.1f} | {ours['cpu_s']:.1f} | {ours['cpu_s'] / peer['cpu_s']:.2f} |",
        f"| texts embedded | {peer['chunks']:,} chunks | {ours['chunks']:,} chunks "
        f"+ {ours['sentences']:,} of {ours.get('sentences_total', ours['sentences']):,} sentences | – |",
        f"| tokens the model read / per s | {peer['tokens_embedded']:,} / {peer['tokens_per_s']:,.0f} | "
        f"{ours['tokens_embedded']:,} / {ours['tokens_per_s']:,.0f} | – |",
        f"| share of the arithmetic limit (tokens/s, CPU measured just before each build) | "
        f"{peer['share_of_limit']:.2f} of {peer['tokens_per_s_limit']:,.0f} | "
        f"{ours['share_of_limit']:.2f} of {ours['tokens_per_s_limit']:,.0f} | – |",
        f"| peak RSS (MB) | {peer['peak_rss_mb']:.0f} | {ours['peak_rss_mb']:.0f} | "
        f"{ours['peak_rss_mb'] / peer['peak_rss_mb']:.2f} |",
        "",
        f"Indexing ratio, assistant / LangChain tutorial build time: {report['build_vs_peer']:.2f}",
    ]
    return "\n".join(rows)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        name, args = sys.argv[2], sys.argv[3:]
        if name == "peer":
            result = child_peer(Path(args[0]))
        elif name == "assistant":
            result = child_assistant(Path(args[0]), Path(args[1]))
        else:
            raise SystemExit(f"unknown child {name}")
        print(json.dumps(result))
