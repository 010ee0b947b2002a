"""A timeline answer in the chat: a small chart of its events over time, then the dated list.

The chart is inline SVG built here, since Gradio's Chatbot keeps it under `sanitize_html=True`
(though it drops `viewBox`, `<style>`, `data-*` and ARIA attributes): x positions are percentages of the chat
column, heights are pixels, colours come from ui.css. Every string is html-escaped.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..patterns import ISO_DATE, MARKER_RE, MONTH_ABBREVIATIONS
from ..records import Answer

MONTHS = MONTH_ABBREVIATIONS
LEFT, RIGHT = 3.0, 97.0  # the axis, in percent of the chart's width
DOT_R = 5  # px
ROW = 12  # px between stacked dots
DOT_GAP = 1.6  # percent: dots closer than this stack instead of overlapping
TOP, AXIS_TO_LABEL = 12, 18  # px above the highest dot; from the axis to its tick labels
MAX_TICKS = 9


@dataclass(frozen=True)
class Row:
    """One event of the list: its ISO date, the line's text from its sentence on, its first marker."""

    date: str
    body: str
    marker: int


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def is_timeline(answer: Answer) -> bool:
    """Whether the answer is a timeline with dated events to show as one."""
    return answer.kind == "timeline" and not answer.abstained and bool(answer.dates)


def _decade(date: str) -> int | None:
    """The first year of a decade written as ISO 8601 does ("196": the 1960s), else None."""
    return int(date) * 10 if len(date) == 3 and date.isdigit() else None


def readable(date: str) -> str:
    """A date to read: "1960s", "830", "1994", "Jul 2024", "23 Apr 2025"; anything else as it is."""
    if (decade := _decade(date)) is not None:
        return f"{decade}s"
    match = ISO_DATE.fullmatch(date)
    if not match:
        return date
    year, month, day = match.groups()
    year = str(int(year))
    if month is None or not 1 <= int(month) <= 12:
        return year
    name = MONTHS[int(month) - 1]
    return f"{int(day)} {name} {year}" if day else f"{name} {year}"


def when(date: str) -> float | None:
    """A date as a fractional year, at the middle of what it names: 1994 → 1994.5, the 1960s → 1965.0;
    None without a year."""
    if (decade := _decade(date)) is not None:
        return decade + 5.0
    match = ISO_DATE.fullmatch(date)
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    if month is None or not 1 <= month <= 12:
        return year + 0.5
    if day is None:
        return year + (month - 0.5) / 12
    return year + (month - 1) / 12 + (min(day, 31) - 0.5) / 365


def rows(answer: Answer) -> tuple[list[Row], list[str]]:
    """The list's events (date from `answer.dates` by marker, text from the cited sentence on), and the
    other lines (a disagreement between articles)."""
    sentences = {c.marker: c.sentence for c in answer.citations}
    events: list[Row] = []
    other: list[str] = []
    for line in answer.text.split("\n"):
        markers = [int(m) for m in MARKER_RE.findall(line) if int(m) in sentences]
        date = answer.date_of(markers[0]) if markers and line.startswith("- ") else None
        if date is None:
            if line.strip():
                other.append(line)
            continue
        at = line.find(sentences[markers[0]]) if sentences[markers[0]] else -1
        events.append(Row(date, line[at:] if at >= 0 else line.removeprefix("- "), markers[0]))
    return events, other


def _ticks(lo: float, hi: float) -> list[int]:
    """Round years from lo to hi, at most MAX_TICKS of them."""
    span = max(hi - lo, 1)
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000, 10_000) if span / s <= MAX_TICKS - 1)
    return list(range(math.ceil(lo / step) * step, math.floor(hi) + 1, step))


def render_chart(events: Sequence[Row], anchor: str, sentences: dict[int, str]) -> str:
    """An SVG dot per event on a year axis; a dot's tooltip is its date and sentence, a click its source card."""
    placed = [(w, e) for e in events if (w := when(e.date)) is not None]
    if not placed:
        return ""
    lo = math.floor(min(w for w, _ in placed))
    hi = math.floor(max(w for w, _ in placed)) + 1  # the end of the last event's year

    def x(year: float) -> float:
        return LEFT + (RIGHT - LEFT) * (year - lo) / (hi - lo)

    levels: list[list[float]] = []  # the x of the dots on each row, bottom row first
    dots: list[tuple[float, int, Row]] = []
    for w, event in placed:
        at = x(w)
        level = next((i for i, xs in enumerate(levels) if all(abs(at - o) >= DOT_GAP for o in xs)), len(levels))
        if level == len(levels):
            levels.append([])
        levels[level].append(at)
        dots.append((at, level, event))
    axis = TOP + DOT_R + ROW * (len(levels) - 1) + DOT_R + 4
    height = axis + AXIS_TO_LABEL + 6
    parts = [
        f'<svg class="tl-chart" width="100%" height="{height}">',
        f'<line class="tl-axis" x1="{LEFT}%" x2="{RIGHT}%" y1="{axis}" y2="{axis}"></line>',
    ]
    for i, year in enumerate(_ticks(lo, hi)):
        minor = " tl-minor" if i % 2 else ""  # every other label: hidden on a narrow screen (ui.css)
        parts.append(
            f'<line class="tl-tick" x1="{x(year):.2f}%" x2="{x(year):.2f}%" y1="{axis}" y2="{axis + 4}"></line>'
            f'<text class="tl-label{minor}" x="{x(year):.2f}%" y="{axis + AXIS_TO_LABEL}" text-anchor="middle">'
            f"{year}</text>"
        )
    for at, level, event in dots:
        y = axis - DOT_R - 4 - ROW * level
        exact = " tl-year" if len(event.date) <= 4 else ""  # a year or decade only: a hollow dot
        tip = f"{readable(event.date)}: {sentences.get(event.marker, '')}"
        parts.append(
            f'<a href="#{anchor}-src-{event.marker}"><circle class="tl-dot{exact}" cx="{at:.2f}%" cy="{y}" '
            f'r="{DOT_R}"><title>{_esc(tip)}</title></circle></a>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render_timeline(answer: Answer, anchor: str, link: Callable[[str], str]) -> str:
    """The chart, then one row per event: the date set apart on the left, the sentence with its linked [n].

    `link` escapes a line of answer text and links its markers to their source cards.
    """
    events, other = rows(answer)
    sentences = {c.marker: c.sentence for c in answer.citations}
    years = [readable(e.date[:4]) for e in events if when(e.date) is not None]
    span = f", {years[0]}–{years[-1]}" if years and years[0] != years[-1] else (f", {years[0]}" if years else "")
    count = f"{len(events)} event{'s' if len(events) != 1 else ''}{span}"
    if len(answer.citations) > len(events):  # an event two articles tell has a source card from each
        count += f" · {len(answer.citations)} sources (some events are told by more than one article)"
    hollow = " · hollow: dated by year only" if any(len(e.date) <= 4 for e in events) else ""
    caption = f'<p class="tl-caption">{_esc(count)} · each dot links to its source{hollow}</p>'
    items = "".join(
        f'<li><time class="tl-date" datetime="{_esc(e.date)}">{_esc(readable(e.date))}</time>'
        f'<span class="tl-text">{link(e.body)}</span></li>'
        for e in events
    )
    after = "".join(f"<p>{link(line)}</p>" for line in other)
    return (
        f'<div class="timeline">{render_chart(events, anchor, sentences)}{caption}'
        f'<ul class="tl-list">{items}</ul>{after}</div>'
    )
