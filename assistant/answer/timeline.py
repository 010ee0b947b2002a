"""Timelines: the dated events the articles state, in date order, each sentence verbatim and cited.

An event is a sentence that dates what it tells ("… on November 17, 1869, …"). A day without a
year is the last such day before the article's publication date, or in an undated article the
year the text named last before it (and says so). An article's own dateline and a parenthesised
source reference are not events. Two
articles stating the same event on the same date are one event with two citations; the same
event under two different dates is kept twice and reported as a disagreement.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..ingest.sentences import is_statement
from ..records import Answer, Article, Citation
from .citing import Citer, located
from .dates import PRECISIONS, DateMention, mentions, year_of

if TYPE_CHECKING:
    from ..store.protocol import IndexStore

DATELINE_CHARS = 400  # an article's own date this close to its start is its dateline, not an event
YEAR_LOOKBACK_CHARS = 600  # how far back a year-less day looks for the year the article is in
SAME_EVENT = 0.8  # sentence-vector cosine from which two sentences at one date tell the same event
DISAGREE = 0.9  # … and from which two sentences at different dates do (stricter: a claim of conflict)
MAX_EVENTS = 40  # a chat answer lists at most this many
DATED_HEADING_WORDS = 8  # a line this short that names a month or day of a year heads what happened then


@dataclass(frozen=True)
class Event:
    """One dated event: its date (ISO: 196 for the 1960s, 1994, 2024-07, 2025-04-23), as written, and its precision."""

    date: str
    date_text: str
    precision: str  # "decade", "year", "month" or "day"
    text: str  # the sentence, verbatim
    citation: Citation
    also: tuple[Citation, ...] = ()  # other articles that state the same event on the same date
    inferred_year: bool = False  # a day without a year, placed in the year around it

    def to_dict(self) -> dict[str, object]:
        """The event as JSON-ready data, its citations as `Citation.to_dict` gives them."""
        return {
            "date": self.date, "date_text": self.date_text, "precision": self.precision, "text": self.text,
            "citation": self.citation.to_dict(), "also": [c.to_dict() for c in self.also],
            "inferred_year": self.inferred_year,
        }  # fmt: skip


@dataclass(frozen=True)
class Timeline:
    """Events in date order; pairs of events that are one event under two dates."""

    events: list[Event]
    disagreements: list[tuple[Event, Event]] = field(default_factory=list)
    query: str | None = None

    def to_dict(self) -> dict[str, object]:
        """The timeline as JSON-ready data: the query, the events, and each disagreeing pair."""
        return {
            "query": self.query,
            "events": [e.to_dict() for e in self.events],
            "disagreements": [[a.to_dict(), b.to_dict()] for a, b in self.disagreements],
        }

    def located(self, articles: Mapping[str, Article]) -> Timeline:
        """The same timeline, every citation with its page and section (`citing.located`)."""
        new = {}
        for event in self.events:
            first, *rest = located([event.citation, *event.also], articles)
            new[id(event)] = dataclasses.replace(event, citation=first, also=tuple(rest))
        pairs = [(new.get(id(a), a), new.get(id(b), b)) for a, b in self.disagreements]
        return dataclasses.replace(self, events=[new[id(e)] for e in self.events], disagreements=pairs)

    def to_answer(self, limit: int = MAX_EVENTS) -> Answer:
        """The timeline as a cited answer: one line per event, "- 1994: sentence [n]"; `kind` "timeline",
        and `dates[i]` the ISO date of the event that citation i + 1 supports."""
        if not self.events:
            none = "The articles date no events" + (f" about {self.query}." if self.query else ".")
            return Answer(none, True, kind="timeline")
        citations: list[Citation] = []
        dates: list[str] = []
        lines = []
        for event in self.events[:limit]:
            markers = []
            for c in (event.citation, *event.also):
                n = len(citations) + 1
                citations.append(dataclasses.replace(c, marker=n))
                markers.append(f"[{n}]")
                dates.append(event.date)
            plain = event.precision in ("decade", "year") or event.date_text == event.date  # "2019-12-07" once
            when = event.date_text if plain else f"{event.date} ({event.date_text})"
            lines.append(f"- {when}: {event.text} {' '.join(markers)}")
        for a, b in self.disagreements:
            lines.append(f"The articles date one event differently: {a.date_text} and {b.date_text}.")
        return Answer("\n".join(lines), False, citations, question=self.query or "", kind="timeline", dates=dates)


_FIGURE = re.compile(r"\d+(?:\.\d+)+")  # a version or a decimal: "2.30.1", "3.744"


def _figures(text: str) -> set[str]:
    """The versions and decimals a sentence names: two that name different ones tell different things."""
    return set(_FIGURE.findall(text))


def _compatible(a: Event, b: Event) -> bool:
    """One date contains the other: 2024 and 2024-07, or the same day."""
    return a.date.startswith(b.date) or b.date.startswith(a.date)


_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _dated_heading(text: str, dated: list[DateMention]) -> bool:
    """A short line that names a whole date, as a changelog dates each release ("v1.1.35: Feb 16 2022"):
    the event it heads, though it is no sentence. A line with an e-mail address in it is a signature
    ("2022-10-10  Werner Koch  <wk@gnupg.org>", " -- Maintainer <m@debian.org>  Sun, 16 Oct 2022"): who
    wrote an entry and when, not what happened."""
    return (
        len(text.split()) <= DATED_HEADING_WORDS
        and any(m.year and m.month for m in dated)
        and not _ADDRESS.search(text)
    )


def _key(event: Event) -> tuple[str, int]:
    return (event.date.replace("????", "9999"), PRECISIONS.index(event.precision))


def _year_before(text: str, position: int) -> int | None:
    """The last year the article names before `position` (within YEAR_LOOKBACK_CHARS)."""
    before = mentions(text[max(0, position - YEAR_LOOKBACK_CHARS) : position])
    years = [m.year for m in before if m.year and not m.decade]  # "the 1960s" names no one year
    return years[-1] if years else None


def _dated(mention: DateMention, text: str, position: int, published: str | None) -> tuple[str, bool] | None:
    """The ISO date of a mention, filling a missing year; None when no year can be found.

    A day without a year in a dated article is the last such day on or before its publication
    ("on January 5" in an article of February 2026 is 2026-01-05), as news is read; in an undated
    one, it is in the last year the text named before it. "Last year" and "this year" count from
    the publication year, and mean nothing in an undated article.
    """
    if mention.year is not None:
        return mention.iso(), False
    year = year_of(published)
    if mention.years_on is not None:  # "in March last year": only a dated article says which year
        return (mention.iso(year + mention.years_on), True) if year else None
    if year is not None and published is not None and len(published) >= 10 and published[4] == "-":
        month, day = int(published[5:7]), int(published[8:10])
        if (mention.month or 0, mention.day or 0) > (month, day):
            year -= 1
    year = year or _year_before(text, position)
    return (mention.iso(year), True) if year else None


def build(data: IndexStore, rows: Iterable[int], query: str | None = None) -> Timeline:
    """The timeline of the sentences at `rows` (rows of `data.sentences`)."""
    citer = Citer(data)
    found: list[tuple[Event, int]] = []
    for row in sorted(set(rows)):
        sentence = data.sentences[row]
        article = data.articles.get(sentence.source)
        if article is None:
            continue
        text = article.text[sentence.start : sentence.end]
        dated = mentions(text)
        if not dated or not (is_statement(text) or _dated_heading(text, dated)):
            continue
        published = article.date
        citation = citer.cite(row)
        if citation is None:
            continue
        seen: set[str] = set()
        for mention in dated:  # "first in 1956 … and again in 1972": one event per date the sentence states
            at = sentence.start + mention.start
            iso = _dated(mention, article.text, at, published)
            if iso is None or iso[0] in seen:
                continue
            if at < DATELINE_CHARS and published and iso[0] == published[: len(iso[0])] and mention.years_on is None:
                continue  # the article's own dateline
            seen.add(iso[0])
            found.append((Event(iso[0], mention.text, mention.precision, text, citation, inferred_year=iso[1]), row))
    return _merged(found, data.sentence_vectors, query)


def _neighbours(unit: np.ndarray, threshold: float, block: int = 1024) -> list[dict[int, float]]:
    """For each row, the earlier rows at least `threshold` alike (cosine), computed a block of rows at a
    time: a whole-collection timeline of a large corpus has tens of thousands of events, too many
    for one square matrix."""
    out: list[dict[int, float]] = []
    for a in range(0, len(unit), block):
        similar = unit[a : a + block] @ unit[: a + block].T
        for offset, row in enumerate(similar):
            i = a + offset
            close = np.flatnonzero(row[:i] >= threshold)
            out.append({int(j): float(row[j]) for j in close})
    return out


def _merged(found: list[tuple[Event, int]], vectors: np.ndarray | None, query: str | None) -> Timeline:
    """One event per date and telling; the same telling under two dates is a disagreement."""
    found.sort(key=lambda f: (_key(f[0]), f[1]))
    if vectors is None or not found:
        return Timeline([e for e, _ in found], query=query)
    unit = np.asarray(vectors[[row for _, row in found]], dtype=np.float32)
    neighbours = _neighbours(unit, min(SAME_EVENT, DISAGREE))
    kept: list[int] = []
    is_kept: set[int] = set()
    merged: dict[int, list[Citation]] = {}
    disagreements: list[tuple[Event, Event]] = []
    for i, (event, _) in enumerate(found):
        close = sorted(j for j in neighbours[i] if j in is_kept)  # earlier kept events, in the order kept
        same = next((k for k in close if neighbours[i][k] >= SAME_EVENT and _compatible(found[k][0], event)), None)
        if same is not None:
            if found[same][0].citation.source != event.citation.source:
                merged.setdefault(same, []).append(event.citation)
            continue  # one article telling it twice is one event
        kept.append(i)
        is_kept.add(i)
        other = next((found[k][0] for k in close if neighbours[i][k] >= DISAGREE), None)
        if (
            other is not None
            and other.citation.source != event.citation.source
            and not (event.inferred_year or other.inferred_year)
            and _figures(other.text) == _figures(event.text)  # "2.30.1 … Jul 07 2017", "2.32.1 … Jul 16 2018"
        ):
            disagreements.append((other, event))
    events = [
        Event(**{**found[k][0].__dict__, "also": tuple(merged.get(k, ()))}) for k in kept
    ]  # fmt: skip
    return Timeline(events, disagreements, query)


def rows_for(data: IndexStore, sources: Collection[str] | None = None) -> list[int]:
    """Every sentence row of the chosen articles (all articles when `sources` is None)."""
    return [row for row, s in enumerate(data.sentences) if sources is None or s.source in sources]
