"""The quality gate CI runs: the whole gold set through `assistant eval`, failing under today's figures.

The limits sit a little below what the shipped corpus scores now (see the latest note on the
eval issue); raise them when the assistant gets better, never lower them to make a change pass.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .conftest import CORPUS
from .test_cli import ASSISTANT

pytestmark = pytest.mark.slow

GATE = {
    "answer_accuracy": 0.80,  # the answers issue's acceptance figure
    "recall@5": 0.90,
    "mrr": 0.82,
    "citation_precision": 0.85,  # the answers issue's acceptance figure
    "refusal_rate": 0.88,
    "false_refusal_rate": 0.05,  # at most
}


def _eval(shipped_index: Path, out: Path, *gates: str) -> subprocess.CompletedProcess[str]:
    args = ["eval", "--corpus", str(CORPUS), "--index", str(shipped_index), "--out", str(out)]
    for gate in gates:
        args += ["--fail-under", gate]
    return subprocess.run([ASSISTANT, *args], capture_output=True, text=True, timeout=600)


def test_eval_passes_the_quality_gate(shipped_index: Path, tmp_path: Path) -> None:
    proc = _eval(shipped_index, tmp_path, *(f"{k}={v}" for k, v in GATE.items()))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "| all |" in proc.stdout  # the table is printed
    for name in ("report.json", "report.md", "report.png"):
        assert (tmp_path / name).stat().st_size > 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["overall"]["items"] >= 100
    assert {"unanswerable", "conversation", "conflict"} <= set(report["by_type"])


def test_eval_fails_when_a_metric_is_under_its_limit(shipped_index: Path, tmp_path: Path) -> None:
    proc = _eval(shipped_index, tmp_path, "recall@10=1.01")
    assert proc.returncode != 0
    assert "recall@10" in proc.stderr + proc.stdout
