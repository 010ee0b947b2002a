""" "How much did X grow between 2017 and 2024?": find X for each year and compute the change.

No article states the change, but two of their sentences give the two levels. The answer gives
the computed change (a ratio, or percentage points for shares), says it is computed, and cites
both sentences, so a reader can check it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .quantities import NUMBER, changes, measures

_YEAR = r"(?:1[5-9]\d\d|20\d\d)"
_SPAN = re.compile(rf"\b(?:between (?P<a>{_YEAR}) and (?P<b>{_YEAR})|from (?P<c>{_YEAR}) to (?P<d>{_YEAR}))\b")
_POINTS = re.compile(r"\bpercentage points?\b", re.I)
_GROWTH = re.compile(
    r"\b(?:how many times|by what factor|how much (?:did|has|have|had|does|do) .+? "
    r"(?:grow|grown|increase|increased|rise|risen|expand|expanded|multiply|multiplied))\b",
    re.I,
)


@dataclass(frozen=True)
class ChangeQuestion:
    kind: str  # "points": a share's change in percentage points; "times": a level's growth factor
    years: tuple[int, int]
    first: str  # the question asked for the first year alone
    second: str


def parse(question: str) -> ChangeQuestion | None:
    """The two years and what changed between them, or None for any other question."""
    m = _SPAN.search(question)
    if not m:
        return None
    kind = "points" if _POINTS.search(question) else "times" if _GROWTH.search(question) else None
    if kind is None:
        return None
    a, b = (m.group("a"), m.group("b")) if m.group("a") else (m.group("c"), m.group("d"))
    if a == b:
        return None
    before, after = question[: m.start()], question[m.end() :]
    return ChangeQuestion(kind, (int(a), int(b)), f"{before}in {a}{after}", f"{before}in {b}{after}")


def levels(sentence: str, kind: str) -> list[float]:
    """The levels a sentence states, in order: shares (in percent) for "points", amounts for
    "times"; figures that state a change ("rose by 20.7%") are not levels."""
    wanted = "%" if kind == "points" else "$"
    moved = changes(sentence)
    matches = list(NUMBER.finditer(sentence))
    out = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(sentence)
        found = {q for q in measures(sentence[max(0, m.start() - 1) : end]) if q[1] == wanted} - moved
        out += sorted(v for v, _ in found)
    return out


def compute(kind: str, first: float, second: float) -> str | None:
    """ "5.4 percentage points" or "2.9 times", or None when the figures make no sense for it."""
    if kind == "points":
        diff = round(second - first, 1)
        return f"{diff:g} percentage points" if diff else None
    if first <= 0 or second <= 0:
        return None
    return f"{second / first:.1f} times"
