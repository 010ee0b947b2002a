"""Validate every gold set of eval/suites.json against the articles of its corpus."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from functools import cache
from typing import Any

import pytest

from assistant.ingest.corpus import load_corpus
from assistant.measure import gold
from assistant.measure.metrics import matches, value_groups
from assistant.measure.suites import SUITES_FILE, load_suites, split_of

SUITES = {s.name: s for s in load_suites()}
MIN_ITEMS = {r["name"]: r["min_items"] for r in json.loads(SUITES_FILE.read_text())["suites"] if "min_items" in r}
TYPES = set(gold.TYPES)
DIFFICULTIES = {"easy", "medium", "hard"}
REQUIRED: dict[str, type] = {
    "id": str, "question": str, "answers": list, "evidence": list, "type": str, "difficulty": str, "split": str,
}  # fmt: skip


def load_items() -> list[dict[str, Any]]:
    items = []
    for name, suite in SUITES.items():
        for line in suite.gold.read_text(encoding="utf-8").splitlines():
            if line.strip():
                items.append({**json.loads(line), "_suite": name})
    return items


@cache
def articles(suite: str) -> dict[str, str]:
    """The cleaned text of each article, as the assistant indexes it, whitespace collapsed."""
    return {a.source: " ".join(a.text.split()) for a in load_corpus(SUITES[suite].corpus).articles}


def article(suite: str, source: str) -> str:
    return articles(suite)[source]


ITEMS = load_items()


def by_id(items: list[dict[str, Any]]) -> list[Any]:
    return [pytest.param(item, id=f"{item['_suite']}-{item.get('id')}") for item in items]


def test_every_line_is_a_json_object() -> None:
    for suite in SUITES.values():
        for number, line in enumerate(suite.gold.read_text(encoding="utf-8").splitlines(), 1):
            assert isinstance(json.loads(line), dict), f"{suite.gold}: line {number} is not a JSON object"


def test_ids_are_unique() -> None:
    keys = Counter((item["_suite"], item["id"]) for item in ITEMS)
    duplicates = [key for key, count in keys.items() if count > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"


@pytest.mark.parametrize("item", by_id(ITEMS))
def test_item_schema(item: dict[str, Any]) -> None:
    for key, kind in REQUIRED.items():
        assert isinstance(item.get(key), kind), f"{key!r} missing or not {kind.__name__}"
    assert item["question"].strip()
    assert item["type"] in TYPES
    assert item["difficulty"] in DIFFICULTIES
    assert all(isinstance(answer, str) and answer.strip() for answer in item["answers"])
    for evidence in item["evidence"]:
        assert isinstance(evidence, dict) and set(evidence) == {"source", "quote"}
        assert isinstance(evidence["source"], str) and isinstance(evidence["quote"], str)


def test_split_is_the_stable_hash_of_the_id() -> None:
    first = {(i["_suite"], i["conversation"]): i["id"] for i in ITEMS if i.get("turn") == 1}
    for item in ITEMS:
        key = first[item["_suite"], item["conversation"]] if item.get("conversation") else item["id"]
        assert item["split"] == split_of(key), f"{item['_suite']} {item['id']}: split {item['split']}"


@pytest.mark.parametrize("item", by_id(ITEMS))
def test_evidence_quotes_are_exact(item: dict[str, Any]) -> None:
    """Each quote is in its article as the assistant reads it (whitespace collapsed, as a browser shows it)."""
    for evidence in item["evidence"]:
        source, quote = evidence["source"], evidence["quote"]
        assert source in articles(item["_suite"]), f"unknown source {source}"
        assert quote.strip() and "\n" not in quote, f"empty or multi-line quote from {source}"
        assert " ".join(quote.split()) in article(item["_suite"], source), f"quote not found in {source}: {quote!r}"


@pytest.mark.parametrize("item", by_id(ITEMS))
def test_answers_and_evidence_match_type(item: dict[str, Any]) -> None:
    sources = {evidence["source"] for evidence in item["evidence"]}
    if item["type"] == "unanswerable" or (item["type"] == "conversation" and not item["answers"]):
        assert item["answers"] == [] and item["evidence"] == []  # a follow-up the articles do not answer
        return
    assert item["answers"] and item["evidence"], "answerable item needs answers and evidence"
    if item["type"] in {"conflict", "cross_doc"}:
        assert len(sources) >= 2, f"{item['type']} must cite at least two articles"
    if item["type"] == "conflict":
        assert len(item["answers"]) >= 2, "conflict must list each value"


@pytest.mark.parametrize("item", by_id(ITEMS))
def test_conversation_fields(item: dict[str, Any]) -> None:
    if item["type"] == "conversation":
        assert isinstance(item.get("conversation"), str) and item["conversation"]
        assert isinstance(item.get("turn"), int) and not isinstance(item["turn"], bool)
    else:
        assert "conversation" not in item and "turn" not in item


def test_conversation_turns_are_contiguous() -> None:
    turns: dict[tuple[str, str], list[int]] = defaultdict(list)
    for item in ITEMS:
        if item["type"] == "conversation":
            turns[item["_suite"], item["conversation"]].append(item["turn"])
    for conversation, numbers in turns.items():
        assert numbers == list(range(1, len(numbers) + 1)), f"{conversation}: turns {numbers}"
        assert len(numbers) >= 2, f"{conversation} has a single turn"


@pytest.mark.parametrize("suite", sorted(SUITES))
def test_coverage(suite: str) -> None:
    items = [i for i in ITEMS if i["_suite"] == suite]
    counts = Counter(item["type"] for item in items)
    assert len(items) >= MIN_ITEMS.get(suite, 100)  # a corpus of its own: 100; a format check: as its entry says
    assert TYPES - {"conflict"} <= set(counts), f"missing types: {TYPES - set(counts)}"  # conflicts only where real
    assert counts["unanswerable"] >= 0.12 * len(items)
    assert len({item["conversation"] for item in items if item["type"] == "conversation"}) >= max(2, len(items) // 25)
    splits = Counter(item["split"] for item in items)
    assert set(splits) == {"tune", "test"} and min(splits.values()) >= 0.4 * len(items)


@pytest.mark.parametrize("item", by_id([i for i in ITEMS if i["type"] in {"list", "conflict"}]))
def test_each_listed_value_has_its_evidence(item: dict[str, Any]) -> None:
    """A list or conflict answer gives several values: each that an article states is in a quote,
    so that citing the passage that gives it counts as citing evidence."""
    quotes = [evidence["quote"] for evidence in item["evidence"]]
    for group in value_groups(item["answers"]):
        stated = [v for v in group if any(matches(article(item["_suite"], e["source"]), v) for e in item["evidence"])]
        if stated:
            assert any(matches(q, v) for q in quotes for v in group), f"no evidence quote gives {group}"
