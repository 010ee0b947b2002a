""" "How many years between A and B?": find each event's dated sentence and count the time between.

No article states the gap, but two of their sentences date the two events. The answer gives
the computed gap, says it is computed, and cites both sentences, so a reader can check it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]  # fmt: skip
_UNIT = r"(?:how many (?P<unit>years|months)|how long)"
# "Did A come before B, and by how many years?"
_ORDER = re.compile(
    r"^(?:did|was|were) (?P<a>.+?) (?:before|earlier than) (?P<b>.+?),? "
    r"and by how (?:many (?P<unit>years|months)|long)$",
    re.I,
)
_SPLITS = [
    # "How many years passed between A and B?"
    re.compile(_UNIT + r"\b.*?\bbetween (?P<a>.+?) and (?P<b>.+)$", re.I),
    # "How many months after A did B?" / "How long after A did B follow?"
    re.compile(_UNIT + r" after (?P<a>.+?) (?:did|do|does) (?P<b>.+)$", re.I),
    re.compile(_UNIT + r" after (?P<a>.+?) (?:was|were|had|has|have) (?P<b>.+)$", re.I),
    # "How many years before B did A?"
    re.compile(_UNIT + r" before (?P<b>.+?) (?:did|do|does) (?P<a>.+)$", re.I),
    re.compile(_UNIT + r" before (?P<b>.+?) (?:was|were|had|has|have) (?P<a>.+)$", re.I),
    _ORDER,
    # "How many months separated A from B?"
    re.compile(_UNIT + r"\b.*?\bseparated? (?P<a>.+?) from (?P<b>.+)$", re.I),
    # "How long was it from A to B?"
    re.compile(_UNIT + r"\b.*?\bfrom (?P<a>.+?) (?:to|until|till) (?P<b>.+)$", re.I),
]
_DATE = re.compile(
    r"(?:(?P<d1>\d{1,2})\s+)?(?P<m>"
    + "|".join(_MONTHS)
    + r")?(?:\s+(?P<d2>\d{1,2}))?,?\s*(?P<y>\b(?:1[5-9]\d\d|20\d\d)\b)",
    re.I,
)


@dataclass(frozen=True)
class Date:
    year: int
    month: int | None = None

    def __str__(self) -> str:
        return f"{_MONTHS[self.month - 1].title()} {self.year}" if self.month else str(self.year)


@dataclass(frozen=True)
class DurationQuestion:
    unit: str  # "years", "months", or "" for "how long"
    first: str  # the earlier event, as the question words it
    second: str
    order: bool = False  # "Did A come before B, and by how many years?": whether A was first is asked too


# ", per the city report" / "according to X": says where to look, not what happened.
_ATTRIBUTED = re.compile(r",?\s+(?:per|according to)\s+[^,]+$", re.I)
# "… did B follow?": a verb that only says that B happened.
_HAPPENED = re.compile(r"\s+(?:follow|come|happen|occur|take place|come about|exist)$", re.I)
# "the comprehensive one": the thing named in the other event ("the plain partnership").
_ONE = re.compile(r"\b((?:the|a|an) [\w-]+) one\b", re.I)


def _event(words: str) -> str:
    return _HAPPENED.sub("", _ATTRIBUTED.sub("", words.strip(" ,"))).strip(" ,")


def _one_resolved(words: str, other: str) -> str:
    """ "the comprehensive one" after "the plain partnership" -> "the comprehensive partnership"."""
    noun = other.split()[-1]
    return _ONE.sub(lambda one: f"{one.group(1)} {noun}", words)


def parse(question: str) -> DurationQuestion | None:
    """The two events of a "how long between" question, or None for any other question."""
    text = question.strip().rstrip("?").strip()
    for pattern in _SPLITS:
        m = pattern.search(text)
        if m:
            a, b = _event(m.group("a")), _event(m.group("b"))
            if a and b:
                b = _one_resolved(b, a)
                return DurationQuestion((m.group("unit") or "").lower(), a, b, order=pattern is _ORDER)
    return None


def dates(sentence: str) -> list[Date]:
    """Dates in a sentence ("April 23, 2025", "23 April 2025", "July 2024", "1992"), in order."""
    out = []
    for m in _DATE.finditer(sentence):
        month = _MONTHS.index(m.group("m").lower()) + 1 if m.group("m") else None
        out.append(Date(int(m.group("y")), month))
    return out


def gap(a: Date, b: Date, unit: str) -> tuple[int, str] | None:
    """Whole years or months from a to b (b later); None if the dates are too coarse for the unit."""
    if (b.year, b.month or 0) < (a.year, a.month or 0):
        a, b = b, a
    months = (b.year - a.year) * 12 + b.month - a.month if a.month and b.month else None
    if unit == "months" or (not unit and months is not None and months < 24):
        return (months, "months") if months is not None else None
    if months is not None:
        return months // 12, "years"
    return b.year - a.year, "years"


def phrase(amount: int, unit: str) -> str:
    return f"{amount} {unit[:-1] if amount == 1 else unit}"
