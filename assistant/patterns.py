"""Text patterns every stage reads by, each defined once: the citation marker, month names, years and days."""

from __future__ import annotations

import re

MARKER = "[{n}]"  # how an answer cites: "… grew by 20.7%. [1]"
MARKER_PATTERN = r"\[\d+\]"
MARKER_RE = re.compile(r"\[(\d+)\]")  # a marker, its number captured

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTH_ABBREVIATIONS = tuple(m[:3] for m in MONTH_NAMES)  # "Jan" … "Dec", as a chart's axis writes them
_ABBREVIATED = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
                "oct": 10, "nov": 11, "dec": 12}  # fmt: skip
MONTH_NUMBER = {m.lower(): n for n, m in enumerate(MONTH_NAMES, 1)} | _ABBREVIATED
FULL_MONTH = r"(?:" + "|".join(MONTH_NAMES) + r")"  # the twelve names, written out
MONTH_PATTERN = rf"(?:{FULL_MONTH}|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?)"  # or abbreviated
YEAR_PATTERN = r"(?:1[5-9]\d\d|20\d\d)"
DAY_PATTERN = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"

MONTH = re.compile(rf"\b{MONTH_PATTERN}\b")  # a month, written out or abbreviated
WRITTEN_MONTH = re.compile(rf"\b{FULL_MONTH}\b")  # a month written out
YEAR = re.compile(rf"\b{YEAR_PATTERN}\b")
ISO_DATE = re.compile(r"(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?")  # 2025, 2025-04 or 2025-04-23
