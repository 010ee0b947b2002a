"""Answers about whole articles or the collection, chosen by the plan's shape: a timeline, a summary,
an overview, which articles mention a topic and what each says of it. Every sentence is verbatim and
cited, as in any answer; topic questions draw on the passages retrieval finds for the topic."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

import numpy as np

from ..records import Answer, Passage
from ..store.lexical import analyse
from ..store.protocol import IndexStore, sentence_text
from . import cards, collection, refusal, timeline
from .plan import Plan
from .timeline import Timeline
from .writer import NO_ANSWER

TIMELINE_PASSAGES = 20  # passages a timeline about a topic draws its events from
SUMMARY_PASSAGES = 10  # passages a summary about a topic draws its sentences from

Search = Callable[[str, int, Collection[str] | None], Sequence[Passage]]  # (query, k, sources) -> passages
Embed = Callable[[str], np.ndarray]


def rows_about(data: IndexStore, search: Search, query: str, sources: Collection[str] | None, k: int) -> list[int]:
    """The sentence rows of the k passages that best match `query`."""
    passages = search(query, k, sources)
    return [r for p in passages if p.chunk_id in data.chunk_rows
            for r in data.sentence_rows(data.chunks[data.chunk_rows[p.chunk_id]])]  # fmt: skip


def _about(data: IndexStore, topic: str, rows: Sequence[int]) -> bool:
    """Are the sentences found for `topic` about it (refusal.topic_covered)?"""
    return refusal.topic_covered(data.lexical.idf(set(analyse(topic))), (sentence_text(data, r) for r in rows))


def summary(
    data: IndexStore, search: Search, embed: Embed, query: str | None, sources: Collection[str] | None, k: int | None
) -> Answer:
    """The k central sentences of the passages about `query`, or of the chosen (or every) article
    (k None: as many as collection.summary_length gives)."""
    if query and query.strip():
        rows = rows_about(data, search, query, sources, SUMMARY_PASSAGES)
        if not _about(data, query, rows):
            return Answer(f"{NO_ANSWER} No passage is about “{query.strip()}”.", True)
        return collection.summarize(data, rows, k, toward=embed(query), topic=query)
    return collection.summarize(data, timeline.rows_for(data, sources), k)


def timeline_of(data: IndexStore, search: Search, query: str | None, sources: Collection[str] | None) -> Timeline:
    """The dated events of the passages about `query`, or of the chosen (or every) article."""
    if not query or not query.strip():
        return timeline.build(data, timeline.rows_for(data, sources))
    rows = rows_about(data, search, query, sources, TIMELINE_PASSAGES)
    if not _about(data, query, rows):
        return Timeline([], query=query)  # "The articles date no events about …"
    return timeline.build(data, rows, query)


def answer(data: IndexStore, search: Search, embed: Embed, plan: Plan) -> Answer | None:
    """The answer to a question about whole articles or the collection; None for other questions."""
    sources = plan.sources
    if plan.detail and (from_cards := cards.answer(data.articles, plan, plan.detail)) is not None:
        return from_cards
    if plan.shape == "timeline":
        return timeline_of(data, search, plan.topic, sources).to_answer()  # no topic: every article's events
    if plan.shape == "overview":
        return collection.overview(data, sources)
    if plan.shape == "summary":
        return summary(data, search, embed, plan.topic, sources, None)
    if plan.shape in ("mentions", "differ") and plan.topic:
        if plan.shape == "mentions":
            return collection.who_mentions(data, plan.topic, embed(plan.topic), sources)
        return collection.what_each_says(data, plan.topic, embed(plan.question), sources)
    return None
