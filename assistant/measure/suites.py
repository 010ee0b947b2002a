"""Eval suites: each a corpus with its gold set, scored per corpus and per split (`tune` / `test`).

`eval/suites.json` lists them. Rules and weights may be fitted to `tune` items only; the CI gate
reads `test`. A gold item's split is fixed in its gold file, by a stable hash of its id (a
conversation goes whole, by its first turn's id).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AssistantError
from ..settings import PROJECT_ROOT
from .evaluation import COLUMNS, LOWER_IS_BETTER
from .gold import SPLITS, GoldItem

SUITES_FILE = PROJECT_ROOT / "eval" / "suites.json"


@dataclass(frozen=True)
class Suite:
    """One corpus and its gold set; `index` None means a cache folder of its own."""

    name: str
    corpus: Path
    gold: Path
    index: Path | None = None
    fit: bool = True  # `assistant fit` fits on its tune split (a small set is scored, not fitted on)

    def index_dir(self) -> Path:
        if self.index is not None:
            return self.index
        from ..embed.onnx_query import cache_dir

        return cache_dir() / "eval-index" / self.name


def load_suites(path: Path = SUITES_FILE, names: Iterable[str] = ()) -> list[Suite]:
    """The suites `path` lists (paths relative to the project), or only those named."""
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))["suites"]
        suites = [
            Suite(
                r["name"],
                PROJECT_ROOT / r["corpus"],
                PROJECT_ROOT / r["gold"],
                PROJECT_ROOT / r["index"] if r.get("index") else None,
                bool(r.get("fit", True)),
            )
            for r in rows
        ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AssistantError(f"cannot read the eval suites in {path}: {exc}") from None
    wanted = list(names)
    unknown = set(wanted) - {s.name for s in suites}
    if unknown:
        raise AssistantError(f"unknown suite {', '.join(sorted(unknown))}; one of: {', '.join(s.name for s in suites)}")
    return [s for s in suites if not wanted or s.name in wanted]


def split_of(key: str) -> str:
    """The split a gold item (or conversation) falls in, from a stable hash of its id: about half each."""
    return SPLITS[hashlib.sha256(key.encode("utf-8")).digest()[0] % 2]


def select(items: list[GoldItem], split: str) -> list[GoldItem]:
    """The items of one split ("all" keeps every item)."""
    if split == "all":
        return items
    return [it for it in items if it.split == split]


@dataclass(frozen=True)
class Gate:
    """One `--fail-under` limit: `[SCOPE:]METRIC=X`, where SCOPE is a suite, a split, or suite/split."""

    scope: str
    metric: str
    limit: float

    def applies(self, suite: str, split: str) -> bool:
        return self.scope in ("", suite, split, f"{suite}/{split}")

    def failed(self, value: Any) -> str | None:
        if value is None:
            return f"{self.metric} was not measured (limit {self.limit})"
        worse = value > self.limit if self.metric in LOWER_IS_BETTER else value < self.limit
        return f"{self.metric} = {value:.3f} (limit {self.limit})" if worse else None


def parse_gates(specs: Iterable[str]) -> list[Gate]:
    """ "0.8" gates answer accuracy everywhere; "test:refusal_rate=0.85" each suite's test split;
    "news/test:answer_accuracy=0.85" one suite's test split."""
    gates = []
    for spec in specs:
        name, _, value = spec.rpartition("=")
        scope, _, metric = name.rpartition(":")
        metric = metric or "answer_accuracy"
        if metric not in COLUMNS:
            raise AssistantError(f"unknown metric {metric!r} in --fail-under; one of: {', '.join(COLUMNS)}")
        try:
            gates.append(Gate(scope, metric, float(value)))
        except ValueError:
            raise AssistantError(f"--fail-under needs a number, got {value!r}") from None
    return gates


def failures(rows: dict[str, dict[str, Any]], gates: list[Gate]) -> list[str]:
    """Every gate a row ("suite/split") fails, as "suite/split: metric = x (limit y)"; a gate that
    matches no row fails too, so a misspelt scope cannot pass silently."""
    bad = []
    for gate in gates:
        matched = False
        for row, overall in rows.items():
            suite, _, split = row.partition("/")
            if gate.applies(suite, split):
                matched = True
                if (why := gate.failed(overall.get(gate.metric))) is not None:
                    bad.append(f"{row}: {why}")
        if not matched:
            bad.append(f"{gate.scope or 'all'}: no results to check {gate.metric} on")
    return bad
