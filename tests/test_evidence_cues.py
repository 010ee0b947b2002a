"""Answer-type cues: what a question asks for, and whether a sentence holds it (no model needed)."""

from __future__ import annotations

import pytest

from assistant.answer.evidence import answer_cue as _cue
from assistant.answer.evidence import enumerated
from assistant.answer.plan import make_plan, question_kind


def answer_cue(question: str, sentence: str) -> float:
    return _cue(make_plan(question), sentence)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Which newspaper interviewed the mayor when she announced the budget?", "name"),  # "when" is a conjunction
        ("When did the mayor announce the budget?", "date"),
        ("What proportion of the city's water comes from the river?", "share"),
        ("In which city was the treaty signed?", "place"),
        ("Where did the talks take place?", "place"),
        ("What kind of company does the town rely on?", None),  # a description, not a name
        ("How much did the bridge cost?", "money"),
        ("How many bridges were built?", "number"),
        ("Why did the council delay the vote?", "reason"),
    ],
)
def test_the_first_interrogative_decides_what_is_asked(question: str, kind: str | None) -> None:
    assert question_kind(question) == kind


def test_a_share_question_wants_a_level_not_a_change() -> None:
    question = "What share of exports went to Canada in 2020?"
    assert answer_cue(question, "Canada took 12 percent of the country's exports.") == 1.0
    assert answer_cue(question, "Exports to Canada rose by 20.7% in 2020.") < 1.0


def test_a_place_question_prefers_a_name_placed_by_a_preposition() -> None:
    question = "In which city was the treaty signed?"
    assert answer_cue(question, "The treaty was signed in Lisbon after long talks.") == 1.0
    assert answer_cue(question, "The treaty was signed by Portugal in July.") < 1.0


@pytest.mark.parametrize(
    ("sentence", "items"),
    [
        ("The port ships grain, timber, coal, steel and machinery to the north.", 5),
        ("Talks covered trade, energy, and culture.", 3),
        ("They aim to promote “peace, development, equality and freedom” abroad.", 4),
        ("Exports went to Spain, Italy, Greece, etc., last year.", 3),
        ("The mayor and the council met on Monday.", 0),
        ("Prices rose, and wages fell.", 0),
    ],
)
def test_enumerated_counts_the_items_of_the_longest_list(sentence: str, items: int) -> None:
    assert enumerated(sentence) == items


@pytest.mark.parametrize(
    "question",
    ["Which head of state sent congratulations first?", "Which other large economy is courting the region?"],
)
def test_a_head_of_state_or_a_country_is_a_name(question: str) -> None:
    assert question_kind(question) == "name"


def test_the_plan_records_shape_and_what_the_answer_must_hold() -> None:
    listed = make_plan("Which two transport corridors does the country sit on?")
    assert listed.shape == "list" and listed.listed == "corridors"
    assert make_plan("Why did the council delay the vote?").shape == "reason"
    counted = make_plan("How many agreements were signed in Oslo in 2021?")
    assert counted.kind == "number" and counted.figures == {"2021"} and "agreement" in counted.counted
    office = make_plan("Who is the foreign minister of Norway?")
    assert office.kind == "name" and "minist" in office.role and "norway" in office.names


def test_when_asks_for_a_date_only_where_it_opens_the_question() -> None:
    assert question_kind("When was the dam completed?") == "date"
    assert question_kind("And when did he die?") == "date"
    assert question_kind("When can the numbers skip values?") is None  # a circumstance
