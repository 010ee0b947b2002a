""" "How much did X grow between 2017 and 2024?": find X for each year and compute the change.

No article states the change, but two of their sentences give the two levels. The answer gives
the computed change (a ratio, or percentage points for shares), says it is computed, and cites
both sentences, so a reader can check it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .quantities import NUMBER, NUMBER_WORDS, changes, measures

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


# "How many more documents were signed during A than agreements during B?"
_MORE = re.compile(r"\bhow many (?P<dir>more|fewer|less) (?P<a>.+?) than (?P<b>.+?)\s*\??$", re.I)
_AUX = re.compile(r"\b(?:was|were|is|are|did|do|does|have|has|had|will|would|could|can)\b", re.I)
_NOT_COUNTED = {"the", "a", "an", "it", "its", "they", "their", "this", "that", "those", "these", "he", "she"}
_PLACE_OR_TIME = re.compile(r"^(?:in|on|at|during|for|from|by|under|over|with|after|before|since)\b", re.I)


@dataclass(frozen=True)
class MoreQuestion:
    """ "How many more X … A than Y … B?": a count for each side, and their difference."""

    fewer: bool
    counted: tuple[str, str]  # what is counted on each side ("documents", "agreements")
    first: str  # the question asked for each side alone
    second: str


def parse_more(question: str) -> MoreQuestion | None:
    """The two counts a "how many more … than …" question compares, or None for any other question."""
    m = _MORE.search(question.strip())
    if not m:
        return None
    a, b = m.group("a").strip(" ,"), m.group("b").strip(" ,")
    aux = _AUX.search(a)
    noun_a = a[: aux.start()].strip() if aux else a.split()[0]
    verb = " ".join(a[aux.start() :].split()[:2]) if aux else ""  # "were signed"
    if not noun_a or not b:
        return None
    if _PLACE_OR_TIME.match(b):  # "… than in 2020": the same thing counted
        noun_b, rest_b = noun_a, b
    else:
        noun_b, _, rest_b = b.partition(" ")
        if noun_b.lower() in _NOT_COUNTED:
            return None  # "… than the airport handled planes": too loose to split
        if _AUX.match(rest_b):
            verb = ""  # "… than agreements were signed in 1994": the second side says its own verb
    first = f"How many {a}?"
    second = " ".join(w for w in ("How many", noun_b, verb, rest_b) if w) + "?"
    return MoreQuestion(m.group("dir").lower() != "more", (noun_a, noun_b), first, second)


def count_of(sentence: str, counted: str) -> float | None:
    """The count a sentence gives for the thing counted ("signed 8 important agreements" -> 8)."""
    head = counted.split()[-1].lower().rstrip("s")
    if len(head) < 3:
        return None
    number = r"\d+(?:,\d{3})*|" + "|".join(NUMBER_WORDS)
    m = re.search(rf"(?<![\w.,])({number})\s+(?:[\w-]+\s+){{0,2}}?{re.escape(head)}\w*\b", sentence, re.I)
    if not m:
        return None
    value = m.group(1).lower().replace(",", "")
    return float(NUMBER_WORDS[value]) if value in NUMBER_WORDS else float(value)
