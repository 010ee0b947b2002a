"""Quantities in text — amounts with scale words, percentages, years — compared by value."""

from __future__ import annotations

import re
from functools import lru_cache

from ..patterns import WRITTEN_MONTH, YEAR

SCALES = {
    "thousand": 1e3, "k": 1e3,
    "million": 1e6, "mn": 1e6, "mln": 1e6, "m": 1e6,
    "billion": 1e9, "bn": 1e9, "bln": 1e9, "b": 1e9,
    "trillion": 1e12, "tn": 1e12,
}  # fmt: skip
NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*"
    r"(%|percent\b|per\s+cent\b|thousand\b|million\b|billion\b|trillion\b|mln\b|bln\b|mn\b|bn\b|tn\b|[kmb]\b)?",
    re.IGNORECASE,
)

_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]
NUMBER_WORDS = {w: i for i, w in enumerate(_WORDS)} | {"thirty": 30, "forty": 40, "fifty": 50, "hundred": 100}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)

Quantity = tuple[float, str]  # (value, kind): "%" shares, "$" money and scaled amounts, "n" counts
_MONEY_BEFORE = re.compile(r"[$€£¥]\s*$")
_MONTH_NEAR = re.compile(WRITTEN_MONTH.pattern + r"\s*$|^\s*,?\s*" + WRITTEN_MONTH.pattern, re.IGNORECASE)


def quantities(text: str) -> set[Quantity]:
    """Quantities in `text`: "$3.744 billion", "3.744 bn" and "3,744 million" are one value."""
    found: set[Quantity] = set()
    for m in NUMBER.finditer(text):
        whole, frac, unit = m.group(1).replace(",", ""), m.group(2), (m.group(3) or "").lower()
        value = float(f"{whole}.{frac}" if frac else whole)
        if unit in ("%", "percent") or unit.startswith("per"):
            found.add((round(value, 6), "%"))
        elif unit in SCALES:
            found.add((round(value * SCALES[unit], 3), "$"))
        elif _MONEY_BEFORE.search(text[: m.start()]):
            found.add((round(value, 6), "$"))
        else:
            found.add((round(value, 6), "n"))
    found |= {(float(NUMBER_WORDS[w.lower()]), "n") for w in _NUMBER_WORD.findall(text)}
    return found


@lru_cache(maxsize=65_536)
def measures(text: str) -> frozenset[Quantity]:
    """Figures a question can ask for: not years, and not the day in "March 3" (cached: the same
    article sentences are read for question after question)."""
    found: set[Quantity] = set()
    for m in NUMBER.finditer(text):
        before, after = text[max(0, m.start() - 12) : m.start()], text[m.end() : m.end() + 12]
        if not m.group(3) and not m.group(2) and (_MONTH_NEAR.search(before) or _MONTH_NEAR.search(after)):
            continue  # a day of the month
        found |= quantities(m.group(0) if not _MONEY_BEFORE.search(text[: m.start()]) else "$" + m.group(0))
    found |= {(float(NUMBER_WORDS[w.lower()]), "n") for w in _NUMBER_WORD.findall(text)}
    return frozenset(q for q in found if not (q[1] == "n" and q[0].is_integer() and 1500 <= q[0] <= 2099))


_COUNT = re.compile(r"(?<![\w.,])(?:\d+|" + "|".join(NUMBER_WORDS) + r")\s+((?:[a-z][\w-]*\s+)?[a-z][\w-]*)", re.I)


def counted_words(text: str) -> set[str]:
    """The words right after plain counts ("20 cooperation documents" -> cooperation, documents)."""
    return {w.lower() for m in _COUNT.finditer(text) for w in m.group(1).split()}


_CHANGE_BEFORE = re.compile(
    r"\b(?:by|up|down|rose|rise|risen|grew|grow|growth|increased?|decreased?|declined?|fell|fall|jumped|dropped|"
    r"climbed|gained|lost|surged|plunged)\b(?:\s+\S+){0,2}\s*[$€£¥]?\s*$",
    re.IGNORECASE,
)


@lru_cache(maxsize=65_536)
def changes(text: str) -> frozenset[Quantity]:
    """The figures of `text` that state a change ("rose by 20.7%", "up $3 billion") rather than a level."""
    found: set[Quantity] = set()
    for m in NUMBER.finditer(text):
        if _CHANGE_BEFORE.search(text[max(0, m.start() - 40) : m.start()]):
            found |= measures(text[max(0, m.start() - 1) : m.end()])
    return frozenset(found)


def years(text: str) -> set[str]:
    return set(YEAR.findall(text))


def has_date(text: str) -> bool:
    return bool(YEAR.search(text) or WRITTEN_MONTH.search(text))
