"""Dates written in English text: found, normalised and given a precision.

"March 3, 2019", "3 March 2019", "2019-03-03" are days; "June 2021" and "June of 2021" are
months; "in 1869" is a year, and so is "c. 830" or "830 AD" (an earlier year needs its "circa" or
era to be told from a number); "the 1960s" is a decade; "on March 3" is a day whose year comes
from the text around it;
"last year" and "in June this year" count years back or on from the date the text was written.
A date in a parenthesised source reference ("(see Harbour Review, May 14, 2021)") is a citation of another
text, not a date of anything the sentence tells, and is left out.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from ..patterns import DAY_PATTERN, MONTH_NUMBER, MONTH_PATTERN, YEAR, YEAR_PATTERN

# What does not follow a year: more digits, a decade's "s", an era before Christ, a unit of an amount.
_NOT_A_QUANTITY = (
    r"(?![\w-]|[.,]\d|s\b|\s*(?:BCE?\b|B\.C\.|%|percent|per cent|tons?|km|kilomet|met|miles?|people|units?|"
    r"barrels?|cubic|square|dollars?|euros?|manat|yuan|megawatts?|MW|bytes?|bits?|octets?|[KMGT]i?B|kB|rows?|pages?|"
    r"items?)\b)"
)
# One pattern, alternatives from the most precise down; named groups say which matched.
DATE = re.compile(
    rf"\b(?P<iy>{YEAR_PATTERN})-(?P<im>[01]\d)-(?P<id>[0-3]\d)\b"
    rf"|\b(?P<m1>{MONTH_PATTERN}) (?P<d1>{DAY_PATTERN}),? (?P<y1>{YEAR_PATTERN})\b"
    rf"|\b(?P<d2>{DAY_PATTERN}) (?P<m2>{MONTH_PATTERN}),? (?P<y2>{YEAR_PATTERN})\b"
    rf"|\b(?P<m3>{MONTH_PATTERN}),? (?:of )?(?P<y3>{YEAR_PATTERN})\b"
    rf"|\b(?P<m4>{MONTH_PATTERN}) (?P<d4>{DAY_PATTERN})\b(?!,? (?:{YEAR_PATTERN}|\d))"
    rf"|\b(?P<d5>{DAY_PATTERN}) (?P<m5>{MONTH_PATTERN})\b(?!,? (?:{YEAR_PATTERN}|\d))"
    rf"|\b(?:(?P<m7>{MONTH_PATTERN}),? (?:of )?)?(?P<r7>[Ll]ast|[Tt]his|[Nn]ext) year\b"
    rf"|(?<![\w.,])(?P<y8>1\d[1-9]|20\d)0s\b"
    rf"|\b(?:c\.|ca\.|circa)\s?(?P<y9>[1-9]\d{{2,3}})(?:\s?(?:AD|CE)\b|{_NOT_A_QUANTITY})"
    r"|\b(?P<y10>[1-9]\d{0,3})\s?(?:AD|CE)\b|\bAD\s?(?P<y11>[1-9]\d{0,3})\b"
    # not an issue "#1516", a merge request "!1508", a path ".../msg/1663", a source line "vec.rs:1619",
    # a standard "RFC 1750", an option's value "ulimit -n 2048", a bound "at least 2048" or an IPv6
    # address "2001:4860::68"; "2024/2025" is two years
    rf"|(?<![\w.,#!:-])(?<![^\d\s]/)(?<!RFC )(?<!-[a-zA-Z] )(?<!at least )(?<!at most )"
    rf"(?P<y6>{YEAR_PATTERN})(?!:[0-9a-fA-F]{{0,4}}:){_NOT_A_QUANTITY}",
)
# A parenthesised aside that cites another text: "(see Harbour Review, May 14, 2021)", "(Reuters, March 3)".
_REFERENCE = re.compile(r"\((?:[^()]*?(?:\bsee\b|,)[^()]*?)\)")

PRECISIONS = ("decade", "year", "month", "day")


@dataclass(frozen=True)
class DateMention:
    """A date found in a text: where it is, what it says, and how precise it is."""

    start: int
    end: int
    text: str
    year: int | None  # None: a day and month whose year the text leaves to the reader
    month: int | None = None
    day: int | None = None
    years_on: int | None = None  # "last year" -1, "this year" 0, "next year" 1: from the writing date
    decade: bool = False  # "the 1960s": `year` is the decade's first

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "decade" if self.decade else "year"

    def iso(self, year: int | None = None) -> str:
        """196 (the 1960s, as ISO 8601 writes a decade), 1994, 2024-07 or 2025-04-23 (`year` fills a
        year-less day)."""
        y = self.year or year
        if self.decade and y:
            return f"{y // 10:03d}"
        parts = [f"{y:04d}" if y else "????"]
        if self.month:
            parts.append(f"{self.month:02d}")
        if self.day:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)


def _day(value: str | None) -> int | None:
    if not value:
        return None
    day = int(re.sub(r"\D", "", value))
    return day if 1 <= day <= 31 else None


def _month(value: str | None) -> int | None:
    return MONTH_NUMBER.get(value.rstrip(".").lower()) if value else None


def mentions(text: str) -> list[DateMention]:
    """The dates `text` states, in order, without those in parenthesised references."""
    hidden = [(m.start(), m.end()) for m in _REFERENCE.finditer(text)]
    out: list[DateMention] = []
    for m in DATE.finditer(text):
        if any(a <= m.start() < b for a, b in hidden):
            continue
        g = m.groupdict()
        if g["iy"]:
            mention = DateMention(m.start(), m.end(), m.group(0), int(g["iy"]), int(g["im"]), int(g["id"]))
        elif g["y1"] or g["y2"]:
            day = _day(g["d1"] or g["d2"])
            month = _month(g["m1"] or g["m2"])
            mention = DateMention(m.start(), m.end(), m.group(0), int(g["y1"] or g["y2"]), month, day)
        elif g["y3"]:
            mention = DateMention(m.start(), m.end(), m.group(0), int(g["y3"]), _month(g["m3"]))
        elif g["y8"]:
            mention = DateMention(m.start(), m.end(), m.group(0), int(g["y8"]) * 10, decade=True)
        elif g["y9"] or g["y10"] or g["y11"]:
            mention = DateMention(m.start(), m.end(), m.group(0), int(g["y9"] or g["y10"] or g["y11"]))
        elif g["r7"]:
            years_on = {"last": -1, "this": 0, "next": 1}[g["r7"].lower()]
            mention = DateMention(m.start(), m.end(), m.group(0), None, _month(g["m7"]), years_on=years_on)
        elif g["m4"] or g["m5"]:
            day = _day(g["d4"] or g["d5"])
            if day is None:
                continue
            mention = DateMention(m.start(), m.end(), m.group(0), None, _month(g["m4"] or g["m5"]), day)
        else:
            mention = DateMention(m.start(), m.end(), m.group(0), int(g["y6"]))
        if mention.month is not None and not 1 <= mention.month <= 12:
            continue
        if mention.day and mention.month and mention.day > calendar.monthrange(mention.year or 2000, mention.month)[1]:
            continue  # "2003-06-31", a parser's example of a date it refuses, is no day (2000: a leap year)
        out.append(mention)
    return out


def year_of(date: str | None) -> int | None:
    """The year of a metadata date ("2025-04-24", "April 24, 2025"), if it has one."""
    if not date:
        return None
    found = YEAR.search(date)
    return int(found.group(0)) if found else None
