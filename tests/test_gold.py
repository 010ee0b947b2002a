"""Validate the gold evaluation set in eval/gold.jsonl against the articles in corpus/."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from assistant.metrics import matches, value_groups

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "eval" / "gold.jsonl"
CORPUS_DIR = ROOT / "corpus"

TYPES = {
    "factoid", "numeric", "date", "list", "why_how", "multi_hop", "cross_doc",
    "conflict", "paraphrase", "unanswerable", "conversation",
}  # fmt: skip
DIFFICULTIES = {"easy", "medium", "hard"}
REQUIRED: dict[str, type] = {
    "id": str, "question": str, "answers": list, "evidence": list, "type": str, "difficulty": str,
}  # fmt: skip


def load_items() -> list[dict[str, Any]]:
    lines = GOLD.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@cache
def article(source: str) -> str:
    return (CORPUS_DIR / source).read_text(encoding="utf-8")


ITEMS = load_items()


def by_id(items: list[dict[str, Any]]) -> list[Any]:
    return [pytest.param(item, id=str(item.get("id"))) for item in items]


def test_every_line_is_a_json_object() -> None:
    for number, line in enumerate(GOLD.read_text(encoding="utf-8").splitlines(), 1):
        assert isinstance(json.loads(line), dict), f"line {number} is not a JSON object"


def test_ids_are_unique() -> None:
    duplicates = [key for key, count in Counter(item["id"] for item in ITEMS).items() if count > 1]
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


@pytest.mark.parametrize("item", by_id(ITEMS))
def test_evidence_quotes_are_exact(item: dict[str, Any]) -> None:
    for evidence in item["evidence"]:
        source, quote = evidence["source"], evidence["quote"]
        assert (CORPUS_DIR / source).is_file(), f"unknown source {source}"
        assert quote.strip() and "\n" not in quote, f"empty or multi-line quote from {source}"
        assert quote in article(source), f"quote not found verbatim in {source}: {quote!r}"


@pytest.mark.parametrize("item", by_id(ITEMS))
def test_answers_and_evidence_match_type(item: dict[str, Any]) -> None:
    sources = {evidence["source"] for evidence in item["evidence"]}
    if item["type"] == "unanswerable":
        assert item["answers"] == [] and item["evidence"] == []
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
    turns: dict[str, list[int]] = defaultdict(list)
    for item in ITEMS:
        if item["type"] == "conversation":
            turns[item["conversation"]].append(item["turn"])
    for conversation, numbers in turns.items():
        assert numbers == list(range(1, len(numbers) + 1)), f"{conversation}: turns {numbers}"
        assert len(numbers) >= 2, f"{conversation} has a single turn"


def test_coverage() -> None:
    counts = Counter(item["type"] for item in ITEMS)
    assert len(ITEMS) >= 100
    assert set(counts) == TYPES, f"missing types: {TYPES - set(counts)}"
    assert counts["unanswerable"] >= 8
    assert len({item["conversation"] for item in ITEMS if item["type"] == "conversation"}) >= 4


@pytest.mark.parametrize("item", by_id([i for i in ITEMS if i["type"] in {"list", "conflict"}]))
def test_each_listed_value_has_its_evidence(item: dict[str, Any]) -> None:
    """A list or conflict answer gives several values: each that an article states is in a quote,
    so that citing the passage that gives it counts as citing evidence."""
    quotes = [evidence["quote"] for evidence in item["evidence"]]
    for group in value_groups(item["answers"]):
        stated = [v for v in group if any(matches(article(e["source"]), v) for e in item["evidence"])]
        if stated:
            assert any(matches(q, v) for q in quotes for v in group), f"no evidence quote gives {group}"
