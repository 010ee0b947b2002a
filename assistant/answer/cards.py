"""Article cards: each article's details (title, author, publisher, date) as a passage of its own,
so that questions about the articles themselves — "Who wrote the Reuters article?", "When was the
Financial Times piece published?", "Which articles are from 2019?" — are answered from the
details, with the card cited like any passage.

A card reads "<title>. By <author>. <publisher>, <date>." (the parts an article has). The plan
decides whether a question asks about the articles' details (`details.asked`); `answer` finds the cards
that match the rest of the question (the articles it names by publisher or author, the words and
years of their details) and says what they give, or that they do not give it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

from ..patterns import ISO_DATE, MONTH_NAMES
from ..records import Answer, Article, Citation
from ..store.lexical import analyse
from .details import ASKING
from .writer import NO_ANSWER

if TYPE_CHECKING:
    from .plan import Plan

MIN_MATCH = 0.5  # the share of the question's own words a card must hold to be the one it asks about


def shown_date(value: str | None) -> str | None:
    """An ISO date as people write it ("2026-02-18" -> "February 18, 2026", in any locale); other text,
    and a year alone, as it is."""
    if not value:
        return None
    match = ISO_DATE.fullmatch(value)
    if not match or match.group("m") is None or not 1 <= int(match.group("m")) <= 12:
        return value
    year, month, day = match.group("y"), MONTH_NAMES[int(match.group("m")) - 1], match.group("d")
    if day is None:
        return f"{month} {year}"
    try:
        date(int(year), int(match.group("m")), int(day))  # a real day, not February 31
    except ValueError:
        return value
    return f"{month} {int(day)}, {year}"


def text(article: Article) -> str:
    """The card: "<title>. By <author>. <publisher>, <date>." with the parts the article has."""
    parts = [article.title.rstrip()]
    if article.author:
        parts.append(f"By {article.author.strip()}")
    issued = ", ".join(x for x in (article.publisher and article.publisher.strip(), shown_date(article.date)) if x)
    if issued:
        parts.append(issued)
    return " ".join(p if p.endswith((".", "?", "!")) else p + "." for p in parts if p)


def citation(article: Article, source: str, marker: int) -> Citation:
    """A citation of the article's card: the whole card is its passage and its sentence."""
    card = text(article)
    return Citation(marker, source, article.title, card, 0, 0, 0, len(card), card=True)


def matching(articles: Mapping[str, Article], plan: Plan) -> list[str]:
    """The articles whose cards the question is about: those it names by publisher or author, narrowed
    to (or else chosen among all by) the cards holding the most of its other words and years."""
    pool = list(plan.sources) if plan.sources else list(articles)
    wanted = set(analyse(plan.question)) - ASKING
    if not wanted:
        return pool
    share = {s: len(wanted & set(analyse(text(articles[s])))) / len(wanted) for s in pool if s in articles}
    best = max(share.values(), default=0.0)
    if plan.sources and best < MIN_MATCH:
        return pool
    return [s for s, v in share.items() if v == best] if best >= MIN_MATCH else []


def _value(article: Article, field: str) -> str | None:
    return {"author": article.author, "publisher": article.publisher, "date": shown_date(article.date)}[field]


_SAYS = {"author": "was written by {}", "publisher": "was published by {}", "date": "was published on {}"}
_UNSTATED = {"author": "who wrote it", "publisher": "who published it", "date": "when it was published"}


def answer(articles: Mapping[str, Article], plan: Plan, field: str) -> Answer | None:
    """The answer from the cards of the articles the question is about; None when no card matches
    (the question is then answered from the articles' text, or refused, as any other)."""
    found = matching(articles, plan)
    if not found:
        return None
    if field == "articles":
        return _listed(articles, found)
    lines: list[str] = []
    citations: list[Citation] = []
    for source in found:
        article = articles[source]
        value = _value(article, field)
        if value is None:
            continue
        card = citation(article, source, len(citations) + 1)
        citations.append(card)
        says = _SAYS[field].format(value)
        lines.append(f"“{article.title}” {says} [{card.marker}].")
    if not citations:
        titles = ", ".join(f"“{articles[s].title}”" for s in found[:3])
        return Answer(f"{NO_ANSWER} The details of {titles} do not say {_UNSTATED[field]}.", True)
    return Answer(lines[0] if len(lines) == 1 else "\n".join(f"- {line}" for line in lines), False, citations)


def _listed(articles: Mapping[str, Article], found: Sequence[str]) -> Answer:
    citations = [citation(articles[s], s, i + 1) for i, s in enumerate(found)]
    lead = "One article matches:" if len(found) == 1 else f"{len(found)} articles match:"
    lines = [lead] + [f"- {c.text} [{c.marker}]" for c in citations]
    return Answer("\n".join(lines), False, citations)
