"""The quality gate CI runs: every eval suite's `test` split through `assistant eval`, failing under its limits.

Only `test` items are gated: rules, weights and thresholds are fitted on `tune` (see `assistant fit`).
The limits sit a little below what each corpus scores now; raise them when the assistant gets
better, never lower them to make a change pass. They are not yet the generalisation issue's
acceptance figures (shipped corpus: accuracy 0.85, citation precision 0.90, refusals 0.90; other
corpora: accuracy 0.75, refusals 0.85): see the latest note on that issue.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .test_cli import ASSISTANT

pytestmark = pytest.mark.slow

GATES = {
    "news": {
        "answer_accuracy": 0.58,
        "citation_precision": 0.66,
        "refusal_rate": 0.6,
        "false_refusal_rate": 0.11,
        "timeline_event_recall": 0.8,
        # 0.5 over its first two test summaries (stop 26), which still score it; with the five written blind
        # on 2026-12-01 (four of them test), the set's test figure is 0.44
        "summary_coverage": 0.44,
        "timeline_in_order": 1.0,
        "timeline_not_events": 0,
        "mentions_recall": 1.0,
    },
    "wiki": {
        "answer_accuracy": 0.67,
        "citation_precision": 0.72,
        "refusal_rate": 0.33,
        "false_refusal_rate": 0.08,
        "timeline_event_recall": 0.95,
        "summary_coverage": 0.7,
        "timeline_in_order": 1.0,
        "timeline_not_events": 0,
        "mentions_recall": 1.0,
    },
    "sqlite": {
        "answer_accuracy": 0.4,
        "citation_precision": 0.34,
        "refusal_rate": 0.07,
        "false_refusal_rate": 0.1,
        "summary_coverage": 0.44,  # summaries written blind on 2026-12-01 (eval/sqlite/README.md)
    },
    "postgres": {
        "answer_accuracy": 0.45,
        "citation_precision": 0.4,
        "refusal_rate": 0.09,
        "false_refusal_rate": 0.06,
        "summary_coverage": 0.22,
    },
    "people": {
        "answer_accuracy": 0.62,
        "citation_precision": 0.76,
        "refusal_rate": 0.14,
        "false_refusal_rate": 0.05,
        "timeline_event_recall": 0.85,
        "summary_coverage": 1.0,
        "timeline_in_order": 1.0,
        "timeline_not_events": 0,
        "mentions_recall": 1.0,
    },
}
GATES["documents"] = {  # HTML code blocks, PDF manuals and Word files; 15 test items, 3 of them unanswerable
    "answer_accuracy": 0.4,
    "citation_precision": 0.3,
    "false_refusal_rate": 0.05,
    "recall@5": 0.55,
    "fragments": 1,  # today one answer is a line of a program's output, read as prose (issue 15)
}
EVERYWHERE = {"fragments": 0, "recall@5": 0.7}


def _gates() -> list[str]:
    """Each suite's limits, and the limits every suite meets unless its own say otherwise."""
    return [
        f"{suite}/test:{metric}={limit}"
        for suite, limits in GATES.items()
        for metric, limit in {**EVERYWHERE, **limits}.items()
    ]


def _eval(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ASSISTANT, "eval", "--split", "test", "--out", str(out), *args],
                          capture_output=True, text=True, timeout=3600)  # fmt: skip


@pytest.fixture(scope="module")
def report(shipped_index: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Every suite's test split, the shipped corpus against a copy of its index (tests never write the repo's)."""
    out = tmp_path_factory.mktemp("eval")
    news = _eval(out / "news", "--suite", "news", "--index", str(shipped_index))
    others = _eval(out / "others", *[a for s in GATES if s != "news" for a in ("--suite", s)])
    for proc in (news, others):
        assert "## Every corpus and split" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]
    rows = json.loads((out / "others" / "summary.json").read_text())
    rows["news/test"] = json.loads((out / "news" / "summary.json").read_text())["news/test"]
    return rows


def test_every_suite_passes_its_gate_on_the_test_split(report: dict[str, dict]) -> None:
    from assistant.measure.suites import failures, parse_gates

    assert set(report) == {f"{s}/test" for s in GATES}  # test items only: nothing tuned on is gated
    bad = failures(report, parse_gates(_gates()))
    assert not bad, "\n".join(bad)


def test_the_cli_gate_fails_when_a_figure_is_under_its_limit(tmp_path: Path, shipped_index: Path) -> None:
    proc = _eval(tmp_path, "--suite", "news", "--index", str(shipped_index), "--fail-under", "test:recall@10=1.01")
    assert proc.returncode != 0
    assert "news/test: recall@10" in proc.stderr + proc.stdout
    for name in ("report.json", "report.md", "report.png"):
        assert (tmp_path / name).stat().st_size > 0


def test_assistant_fit_reproduces_the_shipped_weights(report: dict[str, dict], tmp_path: Path) -> None:
    """`assistant fit` refits assistant/answer/weights.json from the tune splits alone, to the same numbers."""
    from assistant.answer.scoring import WEIGHTS_FILE
    from assistant.measure.suites import load_suites

    out = tmp_path / "weights.json"
    proc = subprocess.run([ASSISTANT, "fit", "--out", str(out)], capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-2000:]
    shipped, refit = json.loads(WEIGHTS_FILE.read_text()), json.loads(out.read_text())
    assert refit["fitted_on"] == [f"{s.name}/tune" for s in load_suites() if s.fit]  # tune splits only
    assert "documents/tune" not in refit["fitted_on"]  # a small format check is scored, not fitted on
    assert refit["writer"] == shipped["writer"]
    for name, model in shipped["models"].items():
        assert refit["models"][name]["features"] == model["features"]
        for key in ("coef", "mean", "scale"):
            assert refit["models"][name][key] == pytest.approx(model[key], rel=1e-3, abs=1e-4), (name, key)
        assert refit["models"][name]["threshold"] == pytest.approx(model["threshold"], abs=1e-3)
