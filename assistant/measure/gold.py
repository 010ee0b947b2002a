"""Gold sets: the items of a gold JSON-lines file, read and checked before anything is scored.

A gold item is one question with the answers that count as right and the article quotes that support
them. A file of someone's own is checked as the shipped ones are: a mistake in it is an error naming
its line (a misspelt type, an answer given as a string, a quote that is in no article), not a figure
quietly computed from it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import AssistantError

UNANSWERABLE = "unanswerable"
CONVERSATION = "conversation"
TYPES = (
    "factoid", "numeric", "date", "list", "why_how", "multi_hop", "cross_doc",
    "conflict", "paraphrase", UNANSWERABLE, CONVERSATION,
)  # fmt: skip
SPLITS = ("tune", "test")
_FIELDS = ("id", "question", "answers", "evidence", "type", "difficulty", "conversation", "turn", "split")
SHOWN = 5  # problems listed in one error, then how many more


@dataclass(frozen=True)
class GoldItem:
    """One gold question; `conversation`/`turn` order the turns of a conversation."""

    id: str
    question: str
    answers: list[str]
    evidence: list[dict[str, str]]
    type: str
    difficulty: str
    conversation: str | None = None
    turn: int | None = None
    split: str | None = None  # "tune" (rules and weights may be fitted to it) or "test" (never)

    @property
    def quotes(self) -> list[str]:
        return [e["quote"] for e in self.evidence]

    @property
    def answerable(self) -> bool:
        """Unanswerable items, and follow-up turns with no gold answer, should be refused."""
        return self.type != UNANSWERABLE and bool(self.answers)


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def problems(row: Any) -> list[str]:
    """What is wrong with one parsed line of a gold file (nothing: an item)."""
    if not isinstance(row, dict):
        return [f"a gold item is a JSON object, not {type(row).__name__}"]
    found = [f"unknown field {k!r} (the fields: {', '.join(_FIELDS)})" for k in row if k not in _FIELDS]
    found += [f"missing field {k!r}" for k in _FIELDS[:6] if k not in row]
    if found:
        return found
    if not isinstance(row["id"], str) or not row["id"].strip():
        found.append("'id' is a non-empty string")
    if not isinstance(row["question"], str) or not row["question"].strip():
        found.append("'question' is a non-empty string")
    if not _texts(row["answers"]):
        found.append("'answers' is a list of strings ([\"1992\"], or [] when the articles do not say)")
    evidence = row["evidence"]
    if not isinstance(evidence, list) or not all(
        isinstance(e, dict) and isinstance(e.get("source"), str) and isinstance(e.get("quote"), str) and e["quote"]
        for e in evidence
    ):
        found.append('\'evidence\' is a list of {"source": file name, "quote": the article\'s words}')
    if row["type"] not in TYPES:
        found.append(f"unknown type {row['type']!r}; one of: {', '.join(TYPES)}")
    if not isinstance(row["difficulty"], str):
        found.append("'difficulty' is a string (easy, medium, hard)")
    if row.get("split") is not None and row["split"] not in SPLITS:
        found.append(f"'split' is 'tune' or 'test', not {row['split']!r}")
    if row["type"] == CONVERSATION:
        turn = row.get("turn")
        if not isinstance(row.get("conversation"), str) or not isinstance(turn, int) or isinstance(turn, bool):
            found.append("a conversation turn has 'conversation' (its name) and 'turn' (1, 2, …)")
    if found:
        return found
    if row["type"] == UNANSWERABLE and (row["answers"] or evidence):
        found.append("an unanswerable item has no answers and no evidence")
    elif row["type"] not in (UNANSWERABLE, CONVERSATION) and not row["answers"]:
        found.append("an answerable item needs answers (or type 'unanswerable')")
    elif row["answers"] and not evidence:
        found.append("an answered item needs the quotes that support it in 'evidence'")
    return found


def load_gold(path: str | Path) -> list[GoldItem]:
    """Read a gold JSON-lines file; a malformed line is an error naming its line number."""
    items: list[GoldItem] = []
    errors: list[str] = []
    lines: dict[str, int] = {}
    with Path(path).open(encoding="utf-8-sig") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                errors.append(f"{path}:{number}: not JSON ({exc})")
                continue
            wrong = problems(row)
            errors += [f"{path}:{number}: {w}" for w in wrong]
            if wrong:
                continue
            if row["id"] in lines:
                errors.append(f"{path}:{number}: id {row['id']!r} is already used on line {lines[row['id']]}")
            lines[row["id"]] = number
            items.append(GoldItem(**row))
    if errors:
        raise AssistantError(_listed(errors))
    if not items:
        raise AssistantError(f"{path} holds no gold items")
    return items


def check_evidence(items: list[GoldItem], articles: Mapping[str, str], corpus: object) -> None:
    """Every evidence quote is in its article (`articles`: source -> text as indexed, whitespace aside);
    an AssistantError lists those that are not, so that a typo is not scored as evidence never found."""
    texts = {s: " ".join(t.split()) for s, t in articles.items()}
    errors: list[str] = []
    for item in items:
        for e in item.evidence:
            if e["source"] not in texts:
                errors.append(f"{item.id}: {e['source']!r} is not an article of {corpus}")
            elif " ".join(e["quote"].split()) not in texts[e["source"]]:
                errors.append(f"{item.id}: the quote is not in {e['source']}: {e['quote'][:80]!r}")
    if errors and all("is not an article" in e for e in errors) and len(errors) == sum(len(i.evidence) for i in items):
        errors.insert(0, f"no evidence source is an article of {corpus}: is --corpus the gold set's folder?")
    if errors:
        raise AssistantError(_listed(errors))


def _listed(errors: list[str]) -> str:
    more = f"\n… and {len(errors) - SHOWN} more" if len(errors) > SHOWN else ""
    return "\n".join(errors[:SHOWN]) + more
