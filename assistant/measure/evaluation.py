"""Run a gold Q&A set through the public API and measure retrieval, answers, citations, refusals."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..answer.writer import DATES_DIFFER, SOURCES_DIFFER
from ..records import Turn
from . import metrics
from .gold import GoldItem

DISAGREE = (SOURCES_DIFFER, DATES_DIFFER)
KS = (1, 3, 5, 10)
MODES = ("dense", "lexical", "hybrid", "rerank")


@dataclass
class ItemResult:
    """What the assistant did on one gold item, and how it scored."""

    id: str
    type: str
    difficulty: str
    question: str
    answer: str
    abstained: bool
    correct: bool
    concise: bool
    f1: float
    recall: dict[int, float] = field(default_factory=dict)
    reciprocal_rank: float = 0.0
    citation_precision: float | None = None
    citation_recall: float = 0.0
    latency_s: float = 0.0
    answerable: bool = True
    split: str | None = None
    fragments: list[str] = field(default_factory=list)  # shown pieces that are not whole statements
    conflict_claimed: bool = False  # the answer says the sources disagree


def _in_order(items: list[GoldItem]) -> list[list[GoldItem]]:
    """Conversations as ordered groups of turns; every other item alone."""
    groups: dict[str, list[GoldItem]] = {}
    out: list[list[GoldItem]] = []
    for item in items:
        if item.conversation is None:
            out.append([item])
        elif item.conversation not in groups:
            groups[item.conversation] = [item]
            out.append(groups[item.conversation])
        else:
            groups[item.conversation].append(item)
    for group in groups.values():
        group.sort(key=lambda it: it.turn or 0)
    return out


def score_item(item: GoldItem, answer: Any, latency_s: float) -> ItemResult:
    """Score one Answer against its gold item."""
    passages = [p.text for p in answer.passages]
    cited = [c.sentence for c in answer.citations] if not answer.abstained else []
    rank = metrics.first_rank(item.quotes, passages) if item.quotes else None
    return ItemResult(
        id=item.id,
        type=item.type,
        difficulty=item.difficulty,
        question=item.question,
        answer=answer.text,
        abstained=answer.abstained,
        correct=not answer.abstained and metrics.answer_correct(answer.text, item.answers, item.type),
        concise=metrics.concise(answer.text, passages, item.type),
        f1=max((metrics.token_f1(answer.text, g) for g in item.answers), default=0.0),
        recall={k: metrics.recall_at(item.quotes, passages, k) for k in KS},
        reciprocal_rank=1 / rank if rank else 0.0,
        citation_precision=metrics.citation_precision(item.quotes, cited),
        citation_recall=metrics.citation_recall(item.quotes, cited),
        latency_s=latency_s,
        answerable=item.answerable,
        split=item.split,
        fragments=[] if answer.abstained else metrics.fragments(answer.text),
        conflict_claimed=not answer.abstained and answer.text.startswith(DISAGREE),
    )


def run(bot: Any, items: list[GoldItem], progress: Callable[[int], None] | None = None) -> list[ItemResult]:
    """Ask every item through `bot.ask`; a conversation's turns see the earlier turns."""
    results: list[ItemResult] = []
    for group in _in_order(items):
        history: list[Turn] = []
        for item in group:
            start = time.perf_counter()
            answer = bot.ask(item.question, history=list(history))
            results.append(score_item(item, answer, time.perf_counter() - start))
            history += [Turn("user", item.question), Turn("assistant", answer.text)]
            if progress:
                progress(1)
    order = {item.id: i for i, item in enumerate(items)}
    return sorted(results, key=lambda r: order[r.id])


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.fmean(present) if present else None


def summarise(results: list[ItemResult]) -> dict[str, Any]:
    """The headline metrics for a set of results."""
    ok = [r for r in results if r.answerable]
    no = [r for r in results if not r.answerable]
    latencies = [r.latency_s for r in results]
    summary: dict[str, Any] = {
        "items": len(results),
        "answer_accuracy": _mean(float(r.correct and r.concise) for r in ok),
        "token_f1": _mean(r.f1 for r in ok),
        **{f"recall@{k}": _mean(r.recall[k] for r in ok) for k in KS},
        "mrr": _mean(r.reciprocal_rank for r in ok),
        "citation_precision": _mean(r.citation_precision for r in ok),
        "citation_recall": _mean(r.citation_recall for r in ok),
        "refusal_rate": _mean(float(r.abstained) for r in no),
        "false_refusal_rate": _mean(float(r.abstained) for r in ok),
        "fragments": sum(bool(r.fragments) for r in results),
        "conflicts_claimed": sum(r.conflict_claimed for r in results),
        # of the answers that say the sources disagree, the share whose gold item is a conflict
        "conflict_precision": _mean(float(r.type == "conflict") for r in results if r.conflict_claimed),
        "latency_p50_ms": 1000 * metrics.percentile(latencies, 50) if latencies else None,
        "latency_p95_ms": 1000 * metrics.percentile(latencies, 95) if latencies else None,
    }
    return summary


def report(results: list[ItemResult]) -> dict[str, Any]:
    """Overall, per-type and per-difficulty summaries."""
    by: dict[str, dict[str, Any]] = {}
    for key in ("type", "difficulty", "split"):
        groups: dict[str, list[ItemResult]] = {}
        for r in results:
            groups.setdefault(str(getattr(r, key)), []).append(r)
        by[key] = {name: summarise(group) for name, group in sorted(groups.items())}
    return {
        "overall": summarise(results),
        "by_split": by["split"],
        "by_type": by["type"],
        "by_difficulty": by["difficulty"],
    }


def compare(bot: Any, items: list[GoldItem], modes: Iterable[str] = MODES) -> dict[str, dict[str, Any]]:
    """Retrieval metrics of each search mode side by side (first turns and single questions only)."""
    standalone = [it for it in items if it.answerable and (it.turn or 1) == 1]
    table: dict[str, dict[str, Any]] = {}
    for mode in modes:
        recalls: dict[int, list[float]] = {k: [] for k in KS}
        rr: list[float] = []
        for item in standalone:
            passages = [p.text for p in bot.search(item.question, k=max(KS), mode=mode)]
            for k in KS:
                recalls[k].append(metrics.recall_at(item.quotes, passages, k))
            rank = metrics.first_rank(item.quotes, passages)
            rr.append(1 / rank if rank else 0.0)
        table[mode] = {
            "items": len(standalone),
            **{f"recall@{k}": statistics.fmean(v) for k, v in recalls.items()},
            "mrr": statistics.fmean(rr),
        }
    return table


COLUMNS = ["items", "answer_accuracy", "token_f1", "recall@1", "recall@3", "recall@5", "recall@10", "mrr",
           "citation_precision", "citation_recall", "refusal_rate", "false_refusal_rate",
           "fragments", "conflicts_claimed", "conflict_precision", "latency_p50_ms", "latency_p95_ms",
           "timeline_event_recall", "timeline_in_order", "timeline_not_events", "summary_coverage",
           "mentions_recall", "mentions_precision", "differ_recall", "overview_recall"]  # fmt: skip


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return str(value)
    return f"{value:.0f}" if value >= 10 else f"{value:.3f}"


def markdown_table(rows: dict[str, dict[str, Any]], columns: list[str] | None = None) -> str:
    """Rows of metrics as a Markdown table."""
    columns = columns or [c for c in COLUMNS if any(c in r for r in rows.values())]
    lines = ["| | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    lines += [f"| {name} | " + " | ".join(_cell(r.get(c)) for c in columns) + " |" for name, r in rows.items()]
    return "\n".join(lines)


TOKEN_F1 = (
    "Token F1: how many words the answer (without its [n] markers) shares with its closest gold answer, as the "
    "harmonic mean of the shared share of each (SQuAD-style); a right answer in a whole sentence scores low."
)
# What each figure means, one line each: printed under the tables and written into the reports.
FIGURES = {
    "items": "gold items scored, unanswerable ones included (accuracy and citations count answerable ones only)",
    "answer_accuracy": "answerable items whose answer states a gold answer (two distinct values for list and "
    "conflict items), is not a refusal, and is concise (≤ 60 words, ≤ 100 for list/why/multi-passage types, "
    "never a whole retrieved chunk); gold answers are matched by words, up to case, punctuation and number "
    'format, except one such as "-a" or "%k", which must be written as it is',
    "token_f1": TOKEN_F1.removeprefix("Token F1: "),
    "recall@k": "share of evidence quotes found, by normalised text, in the top k passages retrieved",
    "mrr": "mean of 1/rank of the first retrieved passage holding an evidence quote (0 when none does)",
    "citation_precision": "cited sentences that hold evidence (a quote, half of one, or part of one)",
    "citation_recall": "evidence quotes that some cited sentence holds",
    "refusal_rate": "unanswerable items (and follow-ups the articles do not answer) that were refused",
    "false_refusal_rate": "answerable items that were refused",
    "fragments": "answers showing a piece that is not a whole statement (a cut sentence, a heading, a line ending "
    "in ':')",
    "conflicts_claimed": "answers saying the sources disagree; conflict_precision: share of them on conflict items",
    "latency_p50_ms": "median time to answer, in milliseconds (p95: the 95th percentile)",
    "timeline_event_recall": "gold events a timeline lists with the right date (timelines.jsonl)",
    "timeline_in_order": "timelines whose gold events come in date order",
    "timeline_not_events": "dates listed as events that are a reference's or the publication's",
    "summary_coverage": "gold points of a summary that some cited sentence states (collection.jsonl)",
    "mentions_recall": 'articles naming a topic that "which articles mention" lists (precision: of those listed)',
    "differ_recall": 'articles naming a topic that "how do they differ" sets side by side',
    "overview_recall": 'articles "what is this collection about" names',
}


def legend(columns: Iterable[str]) -> str:
    """One line per figure among `columns` that has one, in FIGURES' order."""
    shown = {"recall@k" if c.startswith("recall@") else c for c in columns}
    return "\n".join(f"- {name}: {text}" for name, text in FIGURES.items() if name in shown)


def suite_tables(rep: dict[str, Any]) -> str:
    """What `assistant eval` prints for one suite: its figures by question type and by difficulty."""
    return "\n".join(
        ["By type:", markdown_table(rep["by_type"]), "", "By difficulty:", markdown_table(rep["by_difficulty"])]
    )


def render_markdown(rep: dict[str, Any], meta: dict[str, Any]) -> str:
    parts = [
        "# Evaluation report",
        "",
        "\n".join(f"- {k}: {v}" for k, v in meta.items()),
        "",
        "## Overall",
        markdown_table({"all": rep["overall"]}),
        "",
        "## By type",
        markdown_table(rep["by_type"]),
        "",
        "## By difficulty",
        markdown_table(rep["by_difficulty"]),
        "",
        "## By split",
        markdown_table(rep["by_split"]),
        "",
        "What the figures mean:",
        legend(COLUMNS),
    ]
    return "\n".join(parts) + "\n"


def plot(rep: dict[str, Any], path: Path) -> None:
    """Per-type bars: answer accuracy, recall@5 and citation precision (refusal rate for unanswerable)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    types = list(rep["by_type"])
    series = {
        "answer accuracy": [rep["by_type"][t]["answer_accuracy"] for t in types],
        "recall@5": [rep["by_type"][t]["recall@5"] for t in types],
        "citation precision": [rep["by_type"][t]["citation_precision"] for t in types],
        "refusal rate": [rep["by_type"][t]["refusal_rate"] for t in types],
    }
    fig, ax = plt.subplots(figsize=(11, 4.8), dpi=120)
    width = 0.2
    for i, (label, values) in enumerate(series.items()):
        xs = [x + (i - 1.5) * width for x in range(len(types))]
        ax.bar(xs, [v if v is not None else 0 for v in values], width, label=label)
    ax.set_xticks(range(len(types)), [f"{t}\n(n={rep['by_type'][t]['items']})" for t in types], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.set_title(f"Evaluation by question type — overall answer accuracy {rep['overall']['answer_accuracy']:.2f}")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write(rep: dict[str, Any], results: list[ItemResult], meta: dict[str, Any], out: Path) -> list[Path]:
    """report.json (with every item), report.md and report.png under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    files = [out / "report.json", out / "report.md", out / "report.png"]
    payload = {"meta": meta, **rep, "items": [asdict(r) for r in results]}
    files[0].write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    files[1].write_text(render_markdown(rep, meta), encoding="utf-8")
    plot(rep, files[2])
    return files


LOWER_IS_BETTER = frozenset(
    {"false_refusal_rate", "fragments", "latency_p50_ms", "latency_p95_ms", "timeline_not_events"}
)
