"""Article cards: questions about the articles themselves (who wrote, who published, when, which
ones) answered from their details, with the card cited; other questions are not taken for them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.answer import cards, details
from assistant.answer.writer import NO_ANSWER
from assistant.records import Article

from .conftest import ROOT, write_articles


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "expected", "source"),
    [
        ("Who wrote the AzerNews article?", "Nazrin Abdul", "001_3dde8d5e59950f38.txt"),
        ("When was the Eurasia Daily Monitor article published?", "February 18, 2026", "004_46efc4f9c0337b89.txt"),
        ("Who published the piece by Irina Khalturina?", "SR-CENTER.INFO", "003_61376625041b5dca.txt"),
    ],
)
def test_a_detail_of_an_article_is_answered_citing_its_card(bot: Assistant, question, expected, source) -> None:
    answer = bot.ask(question)
    assert not answer.abstained and expected in answer.text
    [card] = answer.citations
    assert card.card and card.source == source and expected in card.sentence
    assert card.text == cards.text(bot._ready().data.articles[source])


@pytest.mark.slow
def test_which_articles_are_from_a_year_lists_each_cited(bot: Assistant) -> None:
    answer = bot.ask("Which articles are from 2026?")
    assert not answer.abstained
    assert {c.source for c in answer.citations} == {"001_3dde8d5e59950f38.txt", "004_46efc4f9c0337b89.txt"}
    assert all(c.card and "2026" in c.sentence and f"[{c.marker}]" in answer.text for c in answer.citations)


@pytest.mark.slow
def test_a_detail_the_article_does_not_give_is_said_not_invented(bot: Assistant) -> None:
    answer = bot.ask("When was the SR-Center article published?")  # its metadata has no date
    assert answer.abstained and answer.text.startswith(NO_ANSWER) and "when it was published" in answer.text


@pytest.mark.slow
def test_details_of_an_article_nobody_named_are_not_made_up(bot: Assistant) -> None:
    answer = bot.ask("Who wrote the article on Mars?")
    assert answer.abstained and not any(c.card for c in answer.citations)


def test_cards_of_a_folder_come_from_its_files_metadata(tmp_path: Path, fake_embedder) -> None:
    folder = write_articles(tmp_path / "corpus", {
        "bees.md": "---\ntitle: Why bees matter\nauthor: A. Keeper\ndate: 2021-05-04\n---\n"
                   "Honeybees pollinate about a third of the crops people eat.",
        "rail.html": "<html><head><title>Night trains return</title><meta property='og:site_name' "
                     "content='Rail Weekly'></head><body><p>The sleeper train restarted in 2021.</p></body></html>",
    })  # fmt: skip
    bot = Assistant(folder, tmp_path / "index", embedder=fake_embedder)
    answer = bot.ask("Who wrote the article about bees?")
    assert answer.text == "“Why bees matter” was written by A. Keeper [1]."
    assert answer.citations[0].sentence == "Why bees matter. By A. Keeper. May 4, 2021."
    listed = bot.ask("Which articles were published by Rail Weekly?")
    assert [c.sentence for c in listed.citations] == ["Night trains return. Rail Weekly."]
    unsigned = bot.ask("Who wrote the night trains article?")
    assert unsigned.abstained
    assert unsigned.text.endswith("The details of “Night trains return” do not say who wrote it.")


def test_card_text_has_the_parts_an_article_has() -> None:
    full = Article("a.txt", "Title?", "x", publisher="Daily", author="Ann Lee", date="2024-03")
    assert cards.text(full) == "Title? By Ann Lee. Daily, March 2024."
    assert cards.text(Article("b.txt", "Bare", "x", date="spring 2020")) == "Bare. spring 2020."


@pytest.mark.parametrize(
    ("question", "detail"),
    [
        ("Who wrote the Reuters piece?", "author"),
        ("Who is the author of this report?", "author"),
        ("When was the article on tariffs published?", "date"),
        ("What is the publication date of the Jamestown analysis?", "date"),
        ("Which outlet published the story about bees?", "publisher"),
        ("Which articles are from 2026?", "articles"),
        ("Which articles did AzerNews publish?", "articles"),
        ("Who wrote the xsltproc page?", "author"),  # a documentation page
        ("When was the file notes.md written?", "date"),
        ("Who wrote the MAUD Report?", None),  # a report the articles talk about, not one of them: no determiner
        ("When was Volta's letter published?", None),
        ("Which articles mention the Middle Corridor?", None),
        ("Who is the president of Azerbaijan?", None),
    ],
)
def test_the_plan_tells_a_question_about_the_articles_details(question: str, detail: str | None) -> None:
    assert details.asked(question) == detail


def test_no_gold_question_about_what_the_articles_say_is_taken_for_one_about_their_details() -> None:
    for gold in sorted((ROOT / "eval").glob("*/gold.jsonl")):
        for line in gold.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            assert details.asked(item["question"]) is None, (gold.parent.name, item["id"], item["question"])
