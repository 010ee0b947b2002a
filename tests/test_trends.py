"""Changes between two years, computed from two levels the articles give."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant
from assistant.answering import COMPUTED_CHANGE, COMPUTED_MORE
from assistant.embedding import SentenceTransformerEmbedder
from assistant.trends import compute, count_of, levels, parse, parse_more

from .conftest import write_articles


def test_parse_splits_the_question_by_year() -> None:
    q = parse("How much did rice exports grow between 2010 and 2020?")
    assert q is not None and q.kind == "times" and q.years == (2010, 2020)
    assert q.first == "How much did rice exports grow in 2010?" and q.second.endswith("in 2020?")
    points = parse("By how many percentage points did the coal share fall from 2001 to 2011?")
    assert points is not None and points.kind == "points" and points.years == (2001, 2011)


@pytest.mark.parametrize(
    "question",
    [
        "What happened between 2010 and 2020?",  # no change asked for
        "How much did exports grow in 2020?",  # one year
        "How much did exports grow between 2020 and 2020?",
    ],
)
def test_other_questions_are_not_changes(question: str) -> None:
    assert parse(question) is None


def test_levels_skip_changes_and_other_kinds() -> None:
    sentence = "Exports rose by 12 percent to $4.5 billion, 30% of the total, in 2020."
    assert levels(sentence, "times") == [4.5e9]
    assert levels(sentence, "points") == [30.0]


def test_compute() -> None:
    assert compute("points", 2.5, 7.9) == "5.4 percentage points"
    assert compute("times", 1.3e9, 3.744e9) == "2.9 times"
    assert compute("points", 3.0, 3.0) is None
    assert compute("times", 0.0, 3.0) is None


PORT = {
    "early.txt": (
        "Harbour history\nThe port of Lumen handled cargo worth $1.2 billion in 2015, the harbour authority said. "
        "Fishing boats still moor in the old basin."
    ),
    "late.txt": (
        "Harbour today\nCargo through the port of Lumen reached $3.6 billion in 2023 after a new terminal opened. "
        "Ferries to the islands run twice a day."
    ),
}


def test_growth_between_two_years_is_computed_from_two_cited_levels(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    bot = Assistant(corpus_dir=write_articles(tmp_path / "c", PORT), index_dir=tmp_path / "i", embedder=embedder)
    answer = bot.ask("How much did cargo through the port of Lumen grow between 2015 and 2023?")
    assert answer.text.startswith(COMPUTED_CHANGE.format(change="3.0 times")), answer.text
    assert "$1.2 billion" in answer.text and "$3.6 billion" in answer.text
    assert {c.source for c in answer.citations} == {"early.txt", "late.txt"}


@pytest.mark.parametrize(
    ("question", "counted", "first", "second"),
    [
        (
            "How many more treaties were signed in Rome than agreements during the Paris visit?",
            ("treaties", "agreements"),
            "How many treaties were signed in Rome?",
            "How many agreements were signed during the Paris visit?",
        ),
        (
            "How many fewer ferries were running in 2020 than in 2019?",
            ("ferries", "ferries"),
            "How many ferries were running in 2020?",
            "How many ferries were running in 2019?",
        ),
    ],
)
def test_parse_more_asks_each_count_alone(question: str, counted: tuple[str, str], first: str, second: str) -> None:
    q = parse_more(question)
    assert q is not None and (q.counted, q.first, q.second) == (counted, first, second)
    assert q.fewer == ("fewer" in question)
    assert parse_more("How many ferries run each day?") is None


def test_count_of_finds_the_number_before_the_thing_counted() -> None:
    assert count_of("During the visit, 20 cooperation documents were signed.", "documents") == 20
    assert count_of("He met the premier and signed eight important agreements.", "agreements") == 8
    assert count_of("He signed agreements in 1994.", "agreements") is None


VISITS = {
    "rome.txt": (
        "The Rome visit\nDuring the minister's visit to Rome in 2019, 14 trade treaties were signed. "
        "The delegation also toured the Colosseum."
    ),
    "paris.txt": (
        "The Paris visit\nOn her Paris visit in 2021 the minister met the mayor and signed 5 agreements. "
        "The talks ran late into the evening."
    ),
}


def test_how_many_more_is_computed_from_two_cited_counts(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    bot = Assistant(corpus_dir=write_articles(tmp_path / "c", VISITS), index_dir=tmp_path / "i", embedder=embedder)
    answer = bot.ask("How many more treaties were signed in Rome than agreements during the Paris visit?")
    assert answer.text.startswith(COMPUTED_MORE.format(figures="9 more (14 against 5)")), answer.text
    assert [c.source for c in answer.citations] == ["rome.txt", "paris.txt"]
