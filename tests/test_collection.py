"""Questions about whole articles and the collection: summaries, who mentions what, overview."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant
from assistant.answer import collection
from assistant.answer.collection import central
from assistant.answer.plan import make_plan
from assistant.answer.refusal import topic_covered
from assistant.apps.ui_examples import example_questions
from assistant.embed.embedding import HashingEmbedder
from assistant.errors import InputError


def test_central_picks_the_centre_first_and_never_the_same_point_twice() -> None:
    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.7, 0.7]], dtype=np.float32)
    picked = central(vectors, 3)
    assert len(set(picked)) == 3
    assert not {0, 1} <= set(picked)  # two identical sentences are one point
    toward = central(vectors, 1, toward=np.array([0.0, 1.0], dtype=np.float32))
    assert toward == [3]


def _articles_naming(bot: Assistant, phrase: str) -> set[str]:
    data = bot._ready().data
    return {s for s, a in data.articles.items() if phrase in a.text.lower()}


@pytest.mark.slow
def test_which_articles_mention_lists_every_one_with_a_sentence_naming_it(bot: Assistant) -> None:
    answer = bot.ask("Which articles mention the Middle Corridor?")
    wanted = _articles_naming(bot, "middle corridor")
    assert not answer.abstained and wanted
    assert {c.source for c in answer.citations} == wanted
    assert len(answer.citations) == len(wanted)  # one sentence per article
    assert all("middle corridor" in c.sentence.lower() for c in answer.citations)
    assert answer.text.startswith(f"{len(wanted)} of {len(bot.sources)} articles mention")
    missing = bot.ask("Which articles mention the Panama Canal?")
    assert missing.abstained and not missing.citations


@pytest.mark.slow
def test_differ_puts_each_articles_sentence_side_by_side(bot: Assistant) -> None:
    answer = bot.ask("How do the articles differ on the SCO?")
    wanted = {s for s, a in bot._ready().data.articles.items() if "SCO" in a.text}
    assert {c.source for c in answer.citations} == wanted and len(answer.citations) == len(wanted)
    assert all("sco" in c.sentence.lower() for c in answer.citations)


@pytest.mark.slow
def test_summary_of_one_article_is_its_central_sentences_in_its_order(bot: Assistant) -> None:
    answer = bot.ask("Summarize the AzerNews article")
    source = next(s for s, m in bot.sources.items() if "AzerNews" in (m.get("publisher") or ""))
    data = bot._ready().data
    pool = collection.statements(data, [r for r, s in enumerate(data.sentences) if s.source == source])
    assert len(pool) > 30  # so that a fifth of them is more than the least summary
    assert not answer.abstained and len(answer.citations) == collection.summary_length(len(pool)) > 6
    assert {c.source for c in answer.citations} == {source}
    starts = [c.start + c.sentence_start for c in answer.citations]
    assert starts == sorted(starts)  # in the order the article gives them
    text = bot._ready().data.articles[source].text
    assert all(text[s : s + len(c.sentence)] == c.sentence for s, c in zip(starts, answer.citations, strict=True))
    same = bot.summarize(source=source, sentences=3)
    assert len(same.citations) == 3
    with pytest.raises(InputError):
        bot.summarize(source="nope.txt")
    with pytest.raises(InputError):
        bot.summarize(sentences=0)


@pytest.mark.slow
def test_summary_about_a_topic_stays_on_it(bot: Assistant) -> None:
    answer = bot.summarize(query="energy", sentences=5)
    assert not answer.abstained and len(answer.citations) == 5
    assert sum("energy" in c.sentence.lower() for c in answer.citations) >= 3
    assert len({c.sentence for c in answer.citations}) == 5
    # sentences that name the topic come first: without that, two of five were about corridors in general
    corridor = bot.summarize(query="Middle Corridor", sentences=5)
    assert all("middle corridor" in c.sentence.lower() for c in corridor.citations)


@pytest.mark.slow
def test_overview_names_every_article_once(bot: Assistant) -> None:
    answer = bot.ask("What is this collection about?")
    assert answer.text.startswith(f"The collection holds {len(bot.sources)} articles")
    assert sorted(c.source for c in answer.citations) == sorted(bot.sources)
    for meta in bot.sources.values():
        title = meta["title"]
        assert title is not None and title in answer.text


def test_the_article_filter_holds_for_the_overview_and_a_refusal_says_it_applied(bot: Assistant) -> None:
    """Found by a user of the chat's "Search only some articles": the overview still listed all five, and
    a refusal did not say that only one article had been searched."""
    one = sorted(bot.sources)[1]
    answer = bot.ask("What is this collection about?", sources=[one])
    assert answer.text.startswith(f"Searching 1 of the collection's {len(bot.sources)} articles:")
    assert [c.source for c in answer.citations] == [one]
    refused = bot.ask("What do the articles say about quantum chromodynamics?", sources=[one])
    assert refused.abstained and f"Only 1 of the {len(bot.sources)} articles was searched." in refused.notices
    assert not any("searched" in n for n in bot.ask("What do the articles say about quantum chromodynamics?").notices)


@pytest.mark.parametrize(
    ("question", "source"),
    [
        ("Summarize the night trains page", "rail.html"),  # its title, without the word "page"
        ("Summarize bees.md", "bees.md"),  # its file name
        ("Give me a summary of the solar document.", "solar.txt"),
        ("What are the main points of the article on bees?", "bees.md"),
    ],
)
def test_a_summary_of_a_named_document_is_of_that_document_alone(
    tiny_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder, question: str, source: str
) -> None:
    bot = Assistant(tiny_corpus, tmp_path / "index", embedder=fake_embedder)
    answer = bot.ask(question)
    assert not answer.abstained and answer.citations
    assert {c.source for c in answer.citations} == {source}


def test_a_summary_naming_no_document_is_about_its_topic_or_of_everything(
    tiny_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    bot = Assistant(tiny_corpus, tmp_path / "index", embedder=fake_embedder)
    data = bot._ready().data
    assert make_plan("Summarize the documents", data).sources is None
    assert make_plan("Summarize the documents", data).topic is None
    assert make_plan("Summarize the construction costs", data).topic == "the construction costs"


def test_a_topic_is_covered_by_its_rarest_word_or_half_its_weight() -> None:
    weights = {"quantum": 3.0, "chromodynam": 4.0}
    assert not topic_covered(weights, ["Lake Baikal is the deepest lake.", "Quantum leaps are rare."])
    assert topic_covered(weights, ["Chromodynamics is the theory of the strong force."])  # its rarest word
    assert topic_covered({"build": 3.0, "canal": 2.0, "open": 1.0}, ["The canal opened in 1825."])  # 0.5
    assert topic_covered({}, ["Anything."])  # "the articles": no topic words, every article


@pytest.mark.slow
def test_a_summary_or_timeline_of_a_topic_the_articles_do_not_discuss_is_refused(bot: Assistant) -> None:
    off_topic = ("What do the articles say about quantum chromodynamics?", "Give me a timeline of tariffs on bananas")
    for question in off_topic:
        answer = bot.ask(question)
        assert answer.abstained and not answer.citations, question
    assert bot.summarize(query="quantum chromodynamics").abstained
    assert not bot.timeline("quantum chromodynamics").events
    on_topic = bot.ask("What do the articles say about energy?")
    assert not on_topic.abstained and on_topic.citations


@pytest.mark.slow
def test_the_start_screen_shows_several_kinds_of_question_each_answered(bot: Assistant) -> None:
    questions = example_questions(bot)
    assert len(questions) == 4 and questions[0] == "What is this collection about?"
    kinds = [q.split(" about ")[0].split(" mention ")[0].split(" of ")[0] for q in questions[1:]]
    assert len(set(kinds)) == 3  # what they say about a topic, which mention one, a timeline
    for question in questions:
        answer = bot.ask(question)
        assert not answer.abstained and answer.citations, question


def test_which_articles_mention_a_topic_cites_a_statement_not_a_heading(
    tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "plants.md").write_text("# Solar power\n\nSolar power plants store heat in molten salt for the night.\n")
    (folder / "grid.md").write_text("# Grids\n\nThe grid takes solar power at noon and wind power at night.\n")
    answer = Assistant(folder, tmp_path / "index", embedder=fake_embedder).ask("Which articles mention solar power?")
    assert {c.source for c in answer.citations} == {"plants.md", "grid.md"}
    assert all(c.sentence.endswith("night.") for c in answer.citations)  # not the heading "Solar power"


@pytest.mark.parametrize(
    "question", ["Summarize the Events page", "Summarize the documentation of the events module", "Summarize Events"]
)
def test_a_page_titled_with_a_word_that_names_no_article_elsewhere_is_still_named(
    tmp_path: Path, fake_embedder: HashingEmbedder, question: str
) -> None:
    """Found on Node.js's API docs: "events" is a word of "a timeline of the events", so the page titled
    "Events" could not be named, and "Summarize the Events page" summarised other pages."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "events.md").write_text("# Events\n\nAn emitter calls every listener of an event in the order added.\n")
    (docs / "timers.md").write_text("# Timers\n\nA timer calls a function once a given delay has passed.\n")
    (docs / "streams.md").write_text("# Streams\n\nA stream emits data events as chunks arrive from the source.\n")
    bot = Assistant(docs, tmp_path / "index", embedder=fake_embedder)
    plan = make_plan(question, bot._ready().data)
    assert (plan.shape, plan.topic, plan.sources) == ("summary", None, ("events.md",))
