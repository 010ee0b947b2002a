"""Scoring timelines against gold: which dated events a timeline must list, in order, and which not.

A gold line (eval/<suite>/timelines.jsonl) names a query (or null: the whole collection), the
articles it is limited to, the events that must appear — each a date at the precision the
article gives and phrases of the sentence that states it — and dates that must not appear as
events (datelines, dates of source references). An event is found when a listed event has that
date (at the gold's precision) and one of its sentences holds every phrase.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..answer.timeline import Event, Timeline


@dataclass(frozen=True)
class TimelineItem:
    id: str
    question: str
    query: str | None
    sources: list[str] | None
    events: list[dict[str, Any]]  # {"date": "1869-11-17", "match": ["canal opened"]}
    not_events: list[str]
    split: str


def load(path: Path) -> list[TimelineItem]:
    """The gold timelines in `path` (none when it does not exist)."""
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [
        TimelineItem(r["id"], r["question"], r.get("query"), r.get("sources"), r["events"],
                     r.get("not_events", []), r["split"])
        for r in rows
    ]  # fmt: skip


def _texts(event: Event) -> list[str]:
    return [event.text.lower()] + [c.sentence.lower() for c in event.also]


def found_at(events: Sequence[Event], gold: dict[str, Any]) -> int | None:
    """The position of the listed event that is this gold event, or None."""
    date, phrases = gold["date"], [p.lower() for p in gold["match"]]
    for i, event in enumerate(events):
        if event.date[: len(date)] == date and any(all(p in t for p in phrases) for t in _texts(event)):
            return i
    return None


def score(item: TimelineItem, timeline: Timeline) -> dict[str, Any]:
    """Recall of the gold events, whether those found are in the gold's order, and events that should not be."""
    positions = [found_at(timeline.events, g) for g in item.events]
    hits = [p for p in positions if p is not None]
    wrong = [
        e.date for e in timeline.events if any(e.date[: len(d)] == d and len(e.date) == len(d) for d in item.not_events)
    ]
    return {
        "id": item.id,
        "split": item.split,
        "event_recall": len(hits) / len(item.events) if item.events else 1.0,
        "in_order": hits == sorted(hits),
        "not_events_listed": len(wrong),
        "missing": [g["date"] for g, p in zip(item.events, positions, strict=True) if p is None],
        "listed": len(timeline.events),
    }


def summary(scores: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Means over items: event recall, share in order, and the count of non-events listed."""
    if not scores:
        return {}
    return {
        "timeline_event_recall": sum(s["event_recall"] for s in scores) / len(scores),
        "timeline_in_order": sum(s["in_order"] for s in scores) / len(scores),
        "timeline_not_events": sum(s["not_events_listed"] for s in scores),
    }
