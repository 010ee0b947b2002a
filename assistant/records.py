"""The records that flow through the assistant: articles, chunks, passages, answers."""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Article:
    """One cleaned article; `text` is what every chunk's offsets point into."""

    source: str
    title: str
    text: str
    publisher: str | None = None
    author: str | None = None
    date: str | None = None
    url: str | None = None
    pages: list[int] = field(default_factory=list)  # where each page of a PDF starts in `text`
    headings: list[list[Any]] = field(default_factory=list)  # [start, level, title] of each heading in `text`

    def page_at(self, offset: int) -> int | None:
        """The page (from 1) that holds the character at `offset`, for articles read from a PDF."""
        if not self.pages:
            return None
        return max(1, bisect.bisect_right(self.pages, offset))

    def metadata(self) -> dict[str, str | None]:
        """The descriptive fields, without the text."""
        return {
            "title": self.title,
            "publisher": self.publisher,
            "author": self.author,
            "date": self.date,
            "url": self.url,
        }


@dataclass(frozen=True)
class Chunk:
    """A span of an article: `article.text[start:end] == text`."""

    id: str
    source: str
    title: str
    ordinal: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Sentence:
    """One sentence of an article, by offsets; sentences are embedded for precise answers."""

    source: str
    start: int
    end: int


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its score (higher is better)."""

    source: str
    title: str
    text: str
    start: int
    end: int
    score: float
    chunk_id: str = ""
    ordinal: int = 0
    dense_score: float | None = None
    lexical_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Citation:
    """What an `[n]` marker points to: the verbatim passage and the supporting sentence in it.

    `start`/`end` are the passage's offsets in its article; `sentence_start`/`sentence_end`
    are offsets of the supporting sentence inside `text`, for highlighting.
    """

    marker: int
    source: str
    title: str
    text: str
    start: int
    end: int
    sentence_start: int = 0
    sentence_end: int = 0
    page: int | None = None  # the PDF page the supporting sentence is on
    section: str | None = None  # the headings that hold it, outermost first ("Chapter › Section")
    card: bool = False  # the passage is the article's card (its title, author, publisher, date), not its text

    @property
    def sentence(self) -> str:
        return self.text[self.sentence_start : self.sentence_end]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "sentence": self.sentence}


@dataclass(frozen=True)
class Answer:
    """An answer with inline `[n]` markers, its citations and everything retrieved."""

    text: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    question: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)  # e.g. "your question was shortened"
    kind: str = "answer"  # what the text is: "answer", or "timeline" (one "- date: sentence [n]" line per event)
    dates: list[str] = field(default_factory=list)  # a timeline's: the ISO date of citations[i]'s event

    def date_of(self, marker: int) -> str | None:
        """The ISO date of the event that marker [n] cites (timelines; None otherwise)."""
        return self.dates[marker - 1] if 0 < marker <= len(self.dates) else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "text": self.text,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "timings": dict(self.timings),
            "notices": list(self.notices),
            "kind": self.kind,
            "dates": list(self.dates),
        }


ROLES = ("user", "assistant")


@dataclass(frozen=True)
class Turn:
    """One message of a conversation."""

    role: Literal["user", "assistant"]
    content: str

    def __post_init__(self) -> None:
        from .errors import InputError

        if self.role not in ROLES:
            raise InputError(f"a turn's role is 'user' or 'assistant', not {self.role!r}")
        if not isinstance(self.content, str):
            raise InputError(f"a turn's content is text, not {type(self.content).__name__}")
