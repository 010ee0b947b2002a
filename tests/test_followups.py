"""Follow-up questions resolved against the conversation, without a model."""

from __future__ import annotations

import pytest

from assistant import Turn
from assistant.followups import is_follow_up, resolve

HISTORY = [
    Turn("user", "How much rice did Vietnam export in 2019?"),
    Turn("assistant", "Vietnam exported 6.4 million tonnes of rice in 2019. [1]"),
    Turn("user", "What share of world exports was that?"),
    Turn("assistant", "About 15 percent. [1]"),
]


@pytest.mark.parametrize(
    ("question", "follow_up"),
    [
        ("What share of world exports was that?", True),
        ("And in 2021?", True),
        ("What did they sign?", True),
        ("How much rice did Thailand export to the Philippines in 2019?", False),
        ("What was the occasion?", True),  # too short to stand alone
        ("What is the Mekong Delta?", False),  # short, but names something of its own
        ("What happened in 2021?", False),
    ],
)
def test_is_follow_up(question: str, follow_up: bool) -> None:
    assert is_follow_up(question) is follow_up


def test_a_short_question_in_words_the_articles_never_use_stands_alone() -> None:
    known = {"rice", "export", "share"}
    assert is_follow_up("What was the occasion?", known)  # one word: nothing else to stand on
    assert not is_follow_up("How do I bake bread?", known)
    assert is_follow_up("How do I bake bread?")  # without the vocabulary it cannot tell
    # ... unless the conversation has just been about it.
    assert is_follow_up("What's the minister's name?", known, said={"minist", "energi"})
    assert not is_follow_up("What's the minister's name?", known, said={"rice"})


def test_resolve_adds_the_conversation_to_a_follow_up_only() -> None:
    query = resolve("What share of world exports was that?", HISTORY[:2])
    assert query.startswith("What share of world exports was that?")
    assert "Vietnam" in query and "2019" in query and "[1]" not in query
    standalone = "How much rice did Thailand export to the Philippines in 2019?"
    assert resolve(standalone, HISTORY) == standalone
