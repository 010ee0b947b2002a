"""Follow-up questions without an LLM: fill pronouns and ellipsis from the conversation so far."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .lexical import analyse
from .records import Turn

_ANAPHORA = re.compile(
    r"\b(?:it|its|it's|that|this|these|those|they|them|their|he|him|his|she|her|there|then|"
    r"the same|such|former|latter|the year before|the previous year|the year after|later|earlier)\b",
    re.IGNORECASE,
)
_ELLIPSIS_START = re.compile(r"^\s*(?:and|but|also|so|what about|how about|and what about|what of|or)\b", re.IGNORECASE)
SHORT_QUESTION_TERMS = 3
_MARKERS = re.compile(r"\s*\[\d+\]")


def is_follow_up(question: str) -> bool:
    """Does the question lean on earlier turns (pronouns, "And in 2017?", very few content words)?"""
    return bool(
        _ELLIPSIS_START.search(question) or _ANAPHORA.search(question) or len(analyse(question)) <= SHORT_QUESTION_TERMS
    )


def resolve(question: str, history: Sequence[Turn]) -> str:
    """The question to retrieve with: unchanged when it stands alone, else joined with its context.

    The context is the user's earlier questions back to the last one that stood alone, plus the
    answer given to the latest of them, so "What share was that?" after "How much trade was there
    in 2007?" retrieves passages about trade in 2007.
    """
    users = [t.content for t in history if t.role == "user" and t.content.strip()]
    if not users or not is_follow_up(question):
        return question
    context: list[str] = []
    for earlier in reversed(users):
        context.insert(0, earlier)
        if not is_follow_up(earlier):
            break
    last_answer = next((t.content for t in reversed(history) if t.role == "assistant"), "")
    answer_terms = " ".join(_MARKERS.sub("", last_answer).split()[:40])
    return " ".join([question, *context, answer_terms]).strip()
