"""Scoring questions about whole articles against gold (eval/<suite>/collection.jsonl), through `ask`.

- summary: the share of the gold points some cited sentence states (every phrase of the point in it);
- mentions / differ: which gold articles the answer cites (recall), and whether it cites others;
- overview: whether every article is named.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..records import Answer


def load(path: Path) -> list[dict[str, Any]]:
    """The gold items in `path` (none when it does not exist)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def covered(point: dict[str, Any], answer: Answer) -> bool:
    phrases = [p.lower() for p in point["match"]]
    return any(all(p in c.sentence.lower() for p in phrases) for c in answer.citations)


def score(item: dict[str, Any], answer: Answer) -> dict[str, Any]:
    """The figures of one item: `coverage` for summaries, `recall`/`precision` for the others."""
    row: dict[str, Any] = {"id": item["id"], "kind": item["kind"], "split": item["split"]}
    cited = {c.source for c in answer.citations}
    if item["kind"] == "summary":
        hits = [covered(p, answer) for p in item["points"]]
        row["coverage"] = sum(hits) / len(hits) if hits else 1.0
        row["missed"] = [p["point"] for p, hit in zip(item["points"], hits, strict=True) if not hit]
        return row
    wanted = item["articles"]
    if isinstance(wanted, int):  # an overview of a large folder: how many articles it names
        row["recall"] = min(1.0, len(cited) / wanted) if wanted else 1.0
        return row
    row["recall"] = len(cited & set(wanted)) / len(wanted) if wanted else float(not cited)
    row["precision"] = len(cited & set(wanted)) / len(cited) if cited else float(not wanted)
    row["missed"] = sorted(set(wanted) - cited)
    return row


def summary(scores: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Means per kind: summary_coverage, mentions_recall/precision, differ_recall, overview_recall."""
    out: dict[str, Any] = {}
    for kind, fields in (("summary", ("coverage",)), ("mentions", ("recall", "precision")),
                         ("differ", ("recall",)), ("overview", ("recall",))):  # fmt: skip
        rows = [s for s in scores if s["kind"] == kind]
        for name in fields:
            values = [s[name] for s in rows if name in s]
            if values:
                out[f"{kind}_{name}"] = sum(values) / len(values)
    return out
