"""A gold set of one's own: mistakes in it are errors naming their line, not figures computed from them.

Found by an evaluator scoring the assistant on their own documents: an answer given as a string was
matched letter by letter, a misspelt type, a "Test" split or a quote in no article was scored
silently, evidence without a quote raised a traceback after the model had loaded, and the gold
answer "-a" was found in every answer with the word "a" in it.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from assistant.errors import AssistantError
from assistant.measure.gold import GoldItem, check_evidence, load_gold
from assistant.measure.metrics import answer_correct, matches

from .conftest import TINY_ARTICLES, write_articles
from .test_cli import ASSISTANT

GOOD: dict[str, Any] = {
    "id": "g1",
    "question": "How much electricity does the Noor plant produce?",
    "answers": ["580 megawatts"],
    "evidence": [{"source": "solar.txt", "quote": "The Noor plant near Ouarzazate produces 580 megawatts"}],
    "type": "numeric",
    "difficulty": "easy",
    "split": "test",
}


def _write(path: Path, *rows: object) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"answers": "580 megawatts"}, "'answers' is a list of strings"),
        ({"type": "numerc"}, "unknown type 'numerc'"),
        ({"split": "Test"}, "'split' is 'tune' or 'test', not 'Test'"),
        ({"evidence": ["The Noor plant"]}, "'evidence' is a list of"),
        ({"evidence": [{"source": "solar.txt"}]}, "'evidence' is a list of"),
        ({"question": None}, "'question' is a non-empty string"),
        ({"answers": []}, "an answerable item needs answers"),
        ({"type": "unanswerable"}, "an unanswerable item has no answers"),
        ({"anwsers": ["x"]}, "unknown field 'anwsers'"),
        ({"type": "conversation"}, "a conversation turn has 'conversation'"),
    ],
)
def test_a_mistake_in_a_gold_line_is_an_error_naming_the_line(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    path = _write(tmp_path / "gold.jsonl", GOOD, {**GOOD, "id": "g2", **change})
    with pytest.raises(AssistantError, match=f"gold.jsonl:2: {message}"):
        load_gold(path)


def test_a_duplicate_id_names_both_lines_and_a_bom_is_no_mistake(tmp_path: Path) -> None:
    path = _write(tmp_path / "gold.jsonl", GOOD, "", {**GOOD, "question": "Again?"})
    with pytest.raises(AssistantError, match=r"gold\.jsonl:3: id 'g1' is already used on line 1"):
        load_gold(path)
    path.write_text("\ufeff" + json.dumps(GOOD) + "\n", encoding="utf-8")
    assert [i.id for i in load_gold(path)] == ["g1"]


def test_the_shipped_follow_up_the_articles_do_not_answer_is_a_valid_item(tmp_path: Path) -> None:
    turn = {**GOOD, "type": "conversation", "conversation": "c1", "turn": 2, "answers": [], "evidence": []}
    assert not load_gold(_write(tmp_path / "gold.jsonl", turn))[0].answerable


def test_a_quote_in_no_article_and_a_source_not_in_the_corpus_are_named() -> None:
    texts = {"solar.txt": TINY_ARTICLES["solar.txt"]}
    good = GoldItem(**GOOD)
    typo = GoldItem(**{**GOOD, "id": "g2", "evidence": [{"source": "solar.txt", "quote": "produces 508 megawatts"}]})
    elsewhere = GoldItem(**{**GOOD, "id": "g3", "evidence": [{"source": "wind.txt", "quote": "Noor"}]})
    check_evidence([good], texts, "docs")
    with pytest.raises(AssistantError, match=r"g2: the quote is not in solar\.txt: 'produces 508 megawatts'"):
        check_evidence([good, typo], texts, "docs")
    with pytest.raises(AssistantError, match=r"g3: 'wind\.txt' is not an article of docs"):
        check_evidence([good, elsewhere], texts, "docs")
    with pytest.raises(AssistantError, match="no evidence source is an article of corpus: is --corpus"):
        check_evidence([elsewhere], texts, "corpus")


def test_a_gold_option_is_matched_as_written_not_as_any_word_a() -> None:
    wrong = "The options below make it write the statistics to a file instead. [1]"
    assert not matches(wrong, "-a") and not answer_correct(wrong, ["-a", "--append"])
    assert matches("Use -a to append to the file. [1]", "-a")
    assert matches("Give --append or -a. [2]", "--append")
    assert not matches("It prints %K, the average total memory. [1]", "%k")  # a format is case-sensitive
    assert matches("Use %k for it. [1]", "%k")
    assert matches("Trade reached $4 billion. [1]", "$4 billion")  # a sum is still a number, in any format
    assert matches("set the limit to -1 [1]", "-1") and not matches("after 1 day [1]", "-1")


@pytest.mark.slow
def test_eval_of_ones_own_gold_set(tmp_path: Path) -> None:
    """`assistant eval --gold --corpus`: the corpus's own index, the figures explained, a wrong source named."""
    corpus = write_articles(tmp_path / "docs", TINY_ARTICLES)
    cache = tmp_path / "cache"
    env = {**os.environ, "ASSISTANT_CACHE_DIR": str(cache)}
    gold = _write(tmp_path / "gold.jsonl", GOOD, {**GOOD, "id": "u1", "question": "Who built the Noor plant?",
                  "answers": [], "evidence": [], "type": "unanswerable"})  # fmt: skip

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [ASSISTANT, "eval", "--gold", str(gold), "--out", str(tmp_path / "out"), *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)

    proc = run("--corpus", str(corpus))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "- refusal_rate: unanswerable items" in proc.stdout and "- items: gold items scored" in proc.stdout
    assert "What the figures mean:" in (tmp_path / "out" / "report.md").read_text()
    indexes = list((cache / "indexes").glob("docs*"))  # where `assistant index --corpus` keeps it, not by name alone
    assert len(indexes) == 1 and indexes[0].name.startswith("docs-")
    assert not (cache / "eval-index").exists()

    proc = run()  # no --corpus: the shipped articles, none of which the gold set quotes
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "no evidence source is an article of" in proc.stderr and "is --corpus the gold set's folder?" in proc.stderr
