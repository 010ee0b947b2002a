"""Answers: citation invariants over every gold question, refusals, disagreeing sources, follow-ups,
the reranker seam and the LLM writer (with LangChain's fake chat models)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from langchain_core.language_models import FakeListChatModel

from assistant import Answer, Assistant, AssistantError, Turn
from assistant.answer.llm import NOT_COVERED, LLMWriter, support
from assistant.answer.writer import (
    CLOSEST_MATCHES,
    DATES_DIFFER,
    NO_ANSWER,
    SOURCES_DIFFER,
)
from assistant.embed.embedding import SentenceTransformerEmbedder
from assistant.patterns import MARKER_RE

from .conftest import CORPUS, ROOT, write_articles

pytestmark = pytest.mark.slow

GOLD = [json.loads(line) for line in (ROOT / "eval" / "news" / "gold.jsonl").read_text(encoding="utf-8").splitlines()]


def _gold_answers(bot: Assistant) -> list[tuple[dict, Answer]]:
    """Every gold question asked as the eval asks it: conversation turns see the earlier ones."""
    out = []
    histories: dict[str, list[Turn]] = {}
    for item in GOLD:
        history = histories.setdefault(item["conversation"], []) if item.get("conversation") else []
        answer = bot.ask(item["question"], history=list(history))
        if item.get("conversation"):
            history += [Turn("user", item["question"]), Turn("assistant", answer.text)]
        out.append((item, answer))
    return out


@pytest.fixture(scope="module")
def gold_answers(bot: Assistant) -> list[tuple[dict, Answer]]:
    return _gold_answers(bot)


def _claims(answer: Answer) -> list[tuple[str, list[int]]]:
    """The answer's sentences, each with the markers that end it."""
    text = answer.text.removeprefix(SOURCES_DIFFER).removeprefix(DATES_DIFFER)
    text = text.strip()
    pieces = re.findall(r"(.*?)((?:\s*\[\d+\])+)", text, flags=re.S)
    return [(body.strip(), [int(n) for n in MARKER_RE.findall(markers)]) for body, markers in pieces]


def test_every_gold_answer_keeps_the_citation_invariants(bot: Assistant, gold_answers) -> None:
    articles = bot._ready().data.articles
    for item, answer in gold_answers:
        where = f"{item['id']}: {answer.text[:120]!r}"
        markers = [int(n) for n in MARKER_RE.findall(answer.text)]
        numbers = [c.marker for c in answer.citations]
        assert numbers == list(range(1, len(numbers) + 1)), where
        assert set(markers) == set(numbers), where  # no marker points nowhere; every citation is used
        for c in answer.citations:
            assert articles[c.source].text[c.start : c.end] == c.text, where
            assert 0 <= c.sentence_start < c.sentence_end <= len(c.text), where
            assert c.sentence.strip(), where
        if answer.abstained:
            assert answer.text.startswith(NO_ANSWER), where
            continue
        assert len(MARKER_RE.sub("", answer.text).split()) <= 100, where  # never a pasted chunk
        for body, cited in _claims(answer):
            # Each answer sentence is the whole sentence it cites, word for word: never a cut of it.
            sentences = [" ".join(answer.citations[n - 1].sentence.split()) for n in cited]
            assert " ".join(body.split()) in sentences, (where, body)


def test_gold_set_is_answered_not_refused_wholesale(gold_answers) -> None:
    answerable = [a for item, a in gold_answers if item["type"] != "unanswerable"]
    unanswerable = [a for item, a in gold_answers if item["type"] == "unanswerable"]
    assert sum(a.abstained for a in answerable) / len(answerable) <= 0.15
    assert sum(a.abstained for a in unanswerable) / len(unanswerable) >= 0.7


def test_off_topic_question_is_refused_with_closest_matches(bot: Assistant) -> None:
    answer = bot.ask("What is the best recipe for lasagne?")
    assert answer.abstained
    assert answer.text.startswith(NO_ANSWER)
    assert CLOSEST_MATCHES in answer.text
    assert answer.citations and all(c.sentence in c.text for c in answer.citations)


def test_on_topic_figure_missing_from_articles_is_refused(bot: Assistant) -> None:
    assert bot.ask("How much did trade between China and Azerbaijan amount to in 1985?").abstained


def test_follow_up_uses_the_conversation(bot: Assistant) -> None:
    first = bot.ask("Which Chinese company sent a delegation to meet Azerbaijan's energy minister in November 2025?")
    assert "Datang" in first.text
    history = [Turn("user", first.question), Turn("assistant", first.text)]
    follow = bot.ask("What's the minister's name?", history=history)
    assert not follow.abstained
    assert "Shahbazov" in follow.text


@pytest.mark.parametrize("question", ["How do I bake bread?", "What is the best recipe for lasagne?"])
def test_an_off_topic_question_after_an_answered_one_is_still_refused(bot: Assistant, question: str) -> None:
    first = bot.ask("Which Chinese company sent a delegation to meet Azerbaijan's energy minister in November 2025?")
    history = [Turn("user", first.question), Turn("assistant", first.text)]
    answer = bot.ask(question, history=history)
    assert answer.abstained, answer.text
    assert answer.text.startswith(NO_ANSWER)


def test_a_short_question_naming_something_new_stands_alone(bot: Assistant) -> None:
    first = bot.ask("Which Chinese company sent a delegation to meet Azerbaijan's energy minister in November 2025?")
    history = [Turn("user", first.question), Turn("assistant", first.text)]
    answer = bot.ask("What is the Middle Corridor?", history=history)
    assert not answer.abstained
    assert "Middle Corridor" in answer.text and "Datang" not in answer.text


DISAGREEING = {
    "wire.txt": (
        "Port of Lumen traffic report\n"
        "The port of Lumen handled cargo worth $3.7 billion in 2024, according to the harbour authority. "
        "Dock workers went on strike twice during the summer."
    ),
    "gazette.txt": (
        "Lumen harbour in numbers\n"
        "Cargo through the port of Lumen was worth more than $4.2 billion in 2024, the city gazette reported. "
        "A new crane terminal opened in the spring."
    ),
    "birds.txt": "Birds of the marsh\nHerons nest in the reeds every April. Their chicks fledge in June.",
}


def test_sources_that_disagree_are_both_cited(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    corpus = write_articles(tmp_path / "c", DISAGREEING)
    bot = Assistant(corpus_dir=corpus, index_dir=tmp_path / "i", embedder=embedder)
    answer = bot.ask("How much cargo did the port of Lumen handle in 2024?")
    assert answer.text.startswith(SOURCES_DIFFER), answer.text
    assert "3.7 billion" in answer.text and "4.2 billion" in answer.text
    assert {c.source for c in answer.citations} == {"wire.txt", "gazette.txt"}


CROPS = {
    "valley.txt": (
        "Farming in the Orlo valley\n"
        "Farmers in the Orlo valley grow wheat, barley, rye, oats, maize and sunflowers on the old terraces. "
        "Crops grown in the Orlo valley are sold at the cooperative market in the town square. "
        "Spring floods damaged several bridges last year."
    ),
    "coast.txt": "Fishing on the coast\nBoats from Merra land sardines and mackerel every morning.",
}


BRIDGE = {
    "bridge.txt": (
        "The Orlo bridge\n"
        "The new Orlo bridge opened less than a year after the old Orlo ferry service was closed in March 2019. "
        "The bridge is a key part of the regional road plan (see Valley Times, June 2, 2021). "
        "After two years of work, the Orlo bridge opened to traffic in January 2020."
    ),
    "birds.txt": "Birds of the marsh\nHerons nest in the reeds every April. Their chicks fledge in June.",
}


CLUB = {
    "club.txt": (
        "The chess club\n"
        "Last spring the town was visited by the Northern Chess Association, which runs tournaments across the region. "
        "During a meeting with the mayor, Ana Pereira, the association's leaders proposed a summer tournament in the "
        "old market hall. The mayor welcomed the idea and offered the hall for free. "
        "It should be noted that the market hall was repaired in 2019. "
        "The roof had leaked for years before the repair."
    ),
    "birds.txt": "Birds of the marsh\nHerons nest in the reeds every April. Their chicks fledge in June.",
}


class ReverseReranker:
    """Prefers the sentences the embedding model likes least: proves the seam is used."""

    def __init__(self) -> None:
        self.calls = 0

    def score(self, question: str, sentences: list[str]) -> list[float]:
        self.calls += 1
        return [-len(s) / 100 for s in sentences]


def test_reranker_seam_scores_the_sentences(shipped_index: Path, embedder: SentenceTransformerEmbedder) -> None:
    reranker = ReverseReranker()
    bot = Assistant(corpus_dir=CORPUS, index_dir=shipped_index, embedder=embedder, reranker=reranker)
    bot.ask("When were diplomatic relations established?")
    assert reranker.calls == 1


# --- the LLM writer, with LangChain's fake chat models ---

QUESTION = "When were diplomatic relations between Azerbaijan and China established?"


def _llm_bot(shipped_index: Path, embedder: SentenceTransformerEmbedder, *responses: str) -> Assistant:
    model = FakeListChatModel(responses=list(responses))
    return Assistant(corpus_dir=CORPUS, index_dir=shipped_index, embedder=embedder, writer=LLMWriter(model))


def _passage_sentence(bot: Assistant, question: str, needle: str) -> tuple[int, str]:
    """(1-based number, sentence) of the first retrieved passage sentence containing `needle`."""
    for i, p in enumerate(bot.search(question, k=5), 1):
        for sentence in re.split(r"(?<=\.)\s+", p.text):
            if needle in sentence:
                return i, sentence
    raise AssertionError(f"{needle!r} not retrieved")


def test_llm_answer_that_its_passages_support_is_kept(bot: Assistant, shipped_index, embedder) -> None:
    n, sentence = _passage_sentence(bot, QUESTION, "1992")
    llm = _llm_bot(shipped_index, embedder, f"{sentence.rstrip('.')} [{n}].")
    answer = llm.ask(QUESTION)
    assert not answer.abstained
    assert answer.text.endswith("[1]")  # renumbered in order of use
    assert "1992" in answer.text
    assert "1992" in answer.citations[0].sentence


def test_llm_invented_marker_is_dropped(bot: Assistant, shipped_index, embedder) -> None:
    n, sentence = _passage_sentence(bot, QUESTION, "1992")
    llm = _llm_bot(shipped_index, embedder, f"{sentence.rstrip('.')} [{n}][9].")
    answer = llm.ask(QUESTION)
    assert MARKER_RE.findall(answer.text) == ["1"]
    assert len(answer.citations) == 1


def test_llm_sentence_citing_only_a_missing_passage_falls_back_to_extractive(
    bot: Assistant, shipped_index, embedder
) -> None:
    llm = _llm_bot(shipped_index, embedder, "Relations were established in 1992 [9].")
    assert llm.ask(QUESTION).text == bot.ask(QUESTION).text


def test_llm_answer_to_an_unanswerable_question_is_not_trusted(shipped_index, embedder) -> None:
    question = "Who is China's ambassador to Azerbaijan?"
    llm = _llm_bot(shipped_index, embedder, "China's ambassador to Azerbaijan is Li Wenhua, appointed in 2019 [1].")
    answer = llm.ask(question)
    assert "Li Wenhua" not in answer.text
    assert "2019" not in answer.text


def test_llm_saying_not_covered_gives_the_refusal(shipped_index, embedder) -> None:
    answer = _llm_bot(shipped_index, embedder, NOT_COVERED).ask("What is the best recipe for lasagne?")
    assert answer.abstained and answer.text.startswith(NO_ANSWER)


class BrokenModel:
    def invoke(self, messages: object) -> object:
        raise ConnectionError("server down")


def test_llm_failure_falls_back_to_extractive(bot: Assistant, shipped_index, embedder) -> None:
    llm = Assistant(corpus_dir=CORPUS, index_dir=shipped_index, embedder=embedder, writer=LLMWriter(BrokenModel()))
    assert llm.ask(QUESTION).text == bot.ask(QUESTION).text


def test_support_checks_figures_names_and_words() -> None:
    passage = "Trade reached $3.7 billion in 2024, the Harbour Authority of Lumen said."
    assert support("Trade reached $3.7 billion in 2024.", passage).holds(0.6)
    assert support("Trade reached $4.1 billion in 2024.", passage).missing == ("4.1",)
    assert "Oslo" in support("The Harbour Authority of Oslo said trade reached $3.7 billion.", passage).missing
    assert not support("Fishermen protested against new quotas.", passage).holds(0.6)


def test_rerank_mode_reorders_the_hybrid_pool_by_answer_sentences(bot: Assistant) -> None:
    question = "What share of Azerbaijan's foreign trade did China account for in 2007?"
    pool = bot.search(question, k=10)
    reranked = bot.search(question, k=5, mode="rerank")
    assert len(reranked) == 5
    assert {p.chunk_id for p in reranked} <= {p.chunk_id for p in pool}
    assert "2.5%" in reranked[0].text


def test_unknown_search_mode_is_a_clear_error(bot: Assistant) -> None:
    with pytest.raises(AssistantError, match="unknown search mode"):
        bot.search("trade", mode="semantic")


@pytest.mark.xfail(
    strict=True,
    reason="not yet: the office's holder is not told apart from other sentences naming the office, the follow-up's "
    "'he' is not resolved, "
    "and a sentence about another date is taken for a disagreement",
)
def test_who_holds_an_office_and_a_follow_up_about_them(bot: Assistant) -> None:
    """The generalisation issue's conversation: the holder of the office is named, and the follow-up
    ("he") is answered with the date the articles agree on, without claiming they disagree."""
    first = bot.ask("Who is the president of Azerbaijan?")
    assert not first.abstained and "Ilham Aliyev" in first.text, first.text
    history = [Turn("user", first.question), Turn("assistant", first.text)]
    follow = bot.ask("When did he visit Beijing?", history=history)
    assert not follow.abstained and "April 23, 2025" in follow.text, follow.text
    assert not follow.text.startswith((SOURCES_DIFFER, DATES_DIFFER)), follow.text
