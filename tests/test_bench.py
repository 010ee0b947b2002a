"""The benchmark runs end to end in its quick mode (figures are read by people, not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .test_cli import ASSISTANT

pytestmark = pytest.mark.slow


def test_quick_bench_writes_its_report_and_plot(tmp_path: Path) -> None:
    proc = subprocess.run([ASSISTANT, "bench", "--quick", "--out", str(tmp_path)], capture_output=True, text=True,
                          timeout=900)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "LangChain tutorial" in proc.stdout and "cold start" in proc.stdout
    report = json.loads((tmp_path / "bench.json").read_text())
    assert (tmp_path / "bench.png").stat().st_size > 10_000
    peer, ours = report["peer"], report["assistant"]
    assert peer["chunks"] > 0 and report["build"]["chunks"] > 0
    for side in (peer, ours):
        assert side["cold_start_s"] > 0 and side["peak_rss_mb"] > 0
        assert 0 < side["retrieval"]["p50_ms"] <= side["retrieval"]["p95_ms"]
    assert ours["ask"]["p50_ms"] > 0
    # Measured both ways: after the one-time ONNX export, and on a first run before it.
    assert ours["query_backend"] == "onnx" and report["assistant_first_run"]["query_backend"] == "torch"
    assert set(report["ratios"]) >= {"cold_start_assistant_vs_peer", "ask_p50_vs_peer_retrieval_p50"}
    largest = report["scale"]["sizes"][-1]
    assert set(largest["types"]) == {"flat", "hnsw", "ivf"}
    assert largest["types"]["flat"]["dense"]["p50_ms"] > 0
    assert largest["types"]["flat"]["recall@10_vs_exact"] >= 0.99  # FAISS flat is exact search
    assert largest["types"]["hnsw"]["recall@10_vs_exact"] >= 0.9  # approximate, but close to exact
    for t in largest["types"].values():  # each index type measured in its own process
        assert t["serving_rss_mb"] > 0 and t["indexing_peak_rss_mb"] > 0
    assert 0 < report["build"]["share_of_limit"] < 1  # below the arithmetic limit, as physics demands
    shipped = report["collection"]["shipped"]  # whole-article answers, timed in a process of their own
    assert shipped["articles"] == 5 and "Whole-article answers" in proc.stdout
    for kind in ("timeline", "summary"):
        assert 0 < shipped[kind]["p50_ms"] <= shipped[kind]["p95_ms"]
    indexing = report["indexing"]  # a small documentation folder indexed by both pipelines in the same run
    assert "Indexing ratio, assistant / LangChain tutorial build time" in proc.stdout
    assert indexing["case"]["files"] > 0 and indexing["build_vs_peer"] > 0
    for side in (indexing["peer"], indexing["assistant"]):
        assert side["chunks"] > 0 and side["peak_rss_mb"] > 0 and 0 < side["share_of_limit"] < 1
    assert indexing["assistant"]["sentences"] > indexing["assistant"]["chunks"]


def test_docs_case_is_real_documentation_of_the_size_asked(tmp_path: Path) -> None:
    from assistant.measure.index_bench import docs_case

    case = docs_case(tmp_path / "docs", 0.5)
    files = list((tmp_path / "docs").iterdir())
    assert case["files"] == len(files) > 1 and 0.5 <= case["mb"] < 1.5
    assert sum(f.stat().st_size for f in files) == round(case["mb"] * 1e6)
    assert all(f.suffix in (".md", ".txt", ".html") for f in files)


def test_scale_texts_are_real_distinct_english() -> None:
    from assistant.measure.scale import scale_texts

    texts = scale_texts(3000)
    assert len(texts) == 3000 and len(set(texts)) > 2900
    assert all(len(t.split()) >= 4 for t in texts)
    assert scale_texts(1000) == texts[:1000]  # a smaller run reuses a larger run's cached vectors


def test_help_does_not_import_heavy_libraries() -> None:
    heavy = ("torch", "gradio", "sentence_transformers", "faiss", "langchain_community")
    code = f"import sys; from assistant.apps.cli import cli; print(any(m in sys.modules for m in {heavy!r}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_checking_an_up_to_date_index_does_not_import_torch(shipped_index: Path) -> None:
    code = (
        "import sys; from assistant import Assistant; "
        f"report = Assistant(index_dir={str(shipped_index)!r}).index(); "
        "print(bool(report.written), 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
