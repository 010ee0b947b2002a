"""The evaluation metrics on hand-made cases."""

from __future__ import annotations

import pytest

from assistant.errors import AssistantError
from assistant.measure import metrics
from assistant.measure.suites import failures, parse_gates, split_of


@pytest.mark.parametrize(
    ("answer", "gold", "expected"),
    [
        ("Trade reached $3.744 billion in 2024 [1].", "3.744 bn", True),
        ("Trade reached 3,744 million dollars.", "$3.744 billion", True),
        ("It rose by 20.7 percent [2].", "20.7%", True),
        ("It rose by 20.7 per cent.", "20.7 percent", True),
        ("It rose by 20.7%.", "27%", False),
        ("Trade reached $3.7 billion.", "$3.744 billion", False),
        ("In 2017 trade grew.", "2007", False),
        ("They met Xi Jinping [1].", "xi jinping", True),
        ("Relations began on April 2, 1992.", "April 2, 1992", True),
        ("Baku’s stance", "Baku's stance", True),
        ("The Middle Corridor", "Corridor of the Middle", False),
        ("He met the president.", "Li Peng", False),
    ],
)
def test_matches_normalises_case_punctuation_and_numbers(answer: str, gold: str, expected: bool) -> None:
    assert metrics.matches(answer, gold) is expected


def test_value_groups_join_forms_of_one_value_only() -> None:
    assert metrics.value_groups(["$3.744 billion", "3.744 billion", "$4 billion", "4 billion"]) == [
        ["$3.744 billion", "3.744 billion"],
        ["$4 billion", "4 billion"],
    ]
    assert metrics.value_groups(["2.5%", "2.5 percent"]) == [["2.5%", "2.5 percent"]]
    assert metrics.value_groups(["China Datang", "Datang"]) == [["China Datang", "Datang"]]


def test_conflict_and_list_answers_need_two_values() -> None:
    golds = ["$3.744 billion", "3.744 billion", "$4 billion"]
    assert not metrics.answer_correct("Trade was $3.744 billion [1].", golds, "conflict")
    assert metrics.answer_correct(
        "One article says $3.744 billion [1]; another over $4 billion [2].", golds, "conflict"
    )
    assert metrics.answer_correct("Trade was $3.744 billion [1].", golds, "numeric")
    items = ["Russia", "Turkey", "Iran"]
    assert not metrics.answer_correct("Russia [1].", items, "list")
    assert metrics.answer_correct("Russia and Iran [1].", items, "list")
    assert not metrics.answer_correct("anything", [], "unanswerable")


def test_a_pasted_chunk_is_not_concise() -> None:
    chunk = " ".join(f"word{i}" for i in range(50)) + "."
    assert not metrics.concise(chunk + " [1]", [chunk])
    assert metrics.concise("Trade rose by 20.7% in 2024 [1].", [chunk])
    long_answer = " ".join(["word"] * 70)
    assert not metrics.concise(long_answer, [], "factoid")
    assert metrics.concise(long_answer, [], "why_how")


def test_evidence_found_tolerates_a_chunk_cutting_the_quote() -> None:
    quote = "In 2024 alone, bilateral trade between China and Azerbaijan rose by 20.7%, with China emerging"
    whole = "Central to this. " + quote + " as the largest import partner."
    assert metrics.evidence_found(quote, whole)
    cut_end = "Central to this. In 2024 alone, bilateral trade between China and Azerbaijan rose"
    assert metrics.evidence_found(quote, cut_end)
    cut_start = "between China and Azerbaijan rose by 20.7%, with China emerging as the largest import partner."
    assert metrics.evidence_found(quote, cut_start)
    assert not metrics.evidence_found(quote, "with China emerging as the largest import partner.")  # under half
    assert not metrics.evidence_found(quote, "Bilateral trade between the two countries grew in 2017.")
    assert metrics.evidence_found("“Quoted” text — here’s it", "quoted text here's it, said he")


def test_rank_recall_and_citation_metrics() -> None:
    quotes = ["alpha beta gamma delta epsilon", "one two three four five"]
    passages = ["nothing here", "x alpha beta gamma delta epsilon y", "one two three four five"]
    assert metrics.first_rank(quotes, passages) == 2
    assert metrics.first_rank(quotes, ["none"]) is None
    assert metrics.recall_at(quotes, passages, 1) == 0.0
    assert metrics.recall_at(quotes, passages, 2) == 0.5
    assert metrics.recall_at(quotes, passages, 3) == 1.0
    assert metrics.citation_precision(quotes, ["nothing here", passages[1]]) == 0.5
    assert metrics.citation_precision(quotes, []) is None
    assert metrics.citation_recall(quotes, [passages[2]]) == 0.5


def test_token_f1_and_percentile() -> None:
    assert metrics.token_f1("Xi Jinping [1]", "Xi Jinping") == 1.0
    assert metrics.token_f1("the president Xi", "Xi Jinping") == pytest.approx(0.4)
    assert metrics.token_f1("", "x") == 0.0
    assert metrics.percentile([1, 2, 3, 4], 50) == 2.5
    assert metrics.percentile([5], 95) == 5


def test_gates_parse_scope_and_fail_on_missing_figures() -> None:
    gates = parse_gates(["0.8", "test:recall@5=0.9", "news/test:false_refusal_rate=0.1"])
    assert [(g.scope, g.metric, g.limit) for g in gates] == [
        ("", "answer_accuracy", 0.8), ("test", "recall@5", 0.9), ("news/test", "false_refusal_rate", 0.1),
    ]  # fmt: skip
    with pytest.raises(AssistantError, match="unknown metric"):
        parse_gates(["nonsense=1"])
    rows = {
        "news/test": {"answer_accuracy": 0.75, "recall@5": 0.95, "false_refusal_rate": 0.2},
        "news/tune": {"answer_accuracy": 0.9, "recall@5": 0.5, "false_refusal_rate": 0.0},
    }
    assert failures(rows, parse_gates(["test:answer_accuracy=0.8"])) == [
        "news/test: answer_accuracy = 0.750 (limit 0.8)"
    ]
    assert failures(rows, parse_gates(["test:recall@5=0.9", "news/tune:false_refusal_rate=0.1"])) == []
    assert failures(rows, parse_gates(["news/test:false_refusal_rate=0.1"])) == [
        "news/test: false_refusal_rate = 0.200 (limit 0.1)"
    ]
    assert failures(rows, parse_gates(["test:citation_precision=0.9"])) == [
        "news/test: citation_precision was not measured (limit 0.9)"
    ]
    assert failures(rows, parse_gates(["wiki/test:answer_accuracy=0.1"])) == [
        "wiki/test: no results to check answer_accuracy on"
    ]


def test_split_is_stable_and_about_half() -> None:
    assert split_of("q001") == split_of("q001")
    shares = [split_of(f"x{i}") for i in range(1000)]
    assert 0.45 < shares.count("tune") / 1000 < 0.55


def test_fragments_are_cut_sentences_headings_and_announcements() -> None:
    assert metrics.fragments("The plant was completed in 2018. [1] It cost 9 billion dollars. [2]") == []
    assert metrics.fragments("…so to speak” (President of the Republic… [1]") != []
    assert metrics.fragments("with a size limit. [1]") == ["with a size limit."]
    assert metrics.fragments("The steps are as follows: [1]") == ["The steps are as follows:"]
    assert metrics.fragments("Strategic dimensions of the partnership [1]") != []
    assert metrics.fragments("The sources give different figures: It began in 1994. [1] It began in 1995. [2]") == []


def test_citation_precision_is_scored_on_the_cited_sentence() -> None:
    quote = "The Noor plant produces 580 megawatts of electricity."
    assert metrics.citation_precision([quote], ["The Noor plant produces 580 megawatts of electricity."]) == 1.0
    assert metrics.citation_precision([quote], ["Critics say the project cost 9 billion dollars."]) == 0.0
    long_quote = "It was completed in 2018 after three phases. Engineers chose concentrated solar power."
    assert metrics.citation_precision([long_quote], ["Engineers chose concentrated solar power."]) == 1.0


def test_eval_prints_figures_by_type_and_by_difficulty_and_says_what_token_f1_is() -> None:
    from assistant.measure.evaluation import TOKEN_F1, ItemResult, report, suite_tables

    def item(id: str, type: str, difficulty: str, correct: bool) -> ItemResult:
        recall = dict.fromkeys((1, 3, 5, 10), 1.0)
        return ItemResult(id, type, difficulty, "q?", "a [1]", False, correct, True, float(correct), recall)

    rep = report(
        [item("1", "factoid", "easy", True), item("2", "factoid", "hard", False), item("3", "list", "hard", True)]
    )
    text = suite_tables(rep)
    by_type, by_difficulty = text.split("By difficulty:")
    assert "| factoid | 2 |" in by_type and "| list | 1 |" in by_type
    assert "| easy | 1 | 1.000 |" in by_difficulty and "| hard | 2 | 0.500 |" in by_difficulty
    assert "\n" not in TOKEN_F1 and "gold answer" in TOKEN_F1  # one line
