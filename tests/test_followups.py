"""Follow-up questions resolved against the conversation: the rules without a model, then a
conversation over two unrelated articles with the real one."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant, Turn
from assistant.answer.followups import is_follow_up, resolve
from assistant.answer.writer import NO_ANSWER
from assistant.embed.embedding import SentenceTransformerEmbedder

from .conftest import write_articles

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


def test_a_short_question_with_a_subject_of_its_own_stands_alone() -> None:
    known = {"functool", "lru", "cach", "json", "pretti", "print"}
    share = {"functool": 0.05, "lru": 0.05, "cach": 0.2}.get
    said = {"pretti", "print", "json"}  # after "How do I pretty-print JSON?"
    # Few articles use "functools" or "lru": the question names a subject of its own.
    assert not is_follow_up("What does functools.lru_cache do?", known, said, lambda t: share(t, 1.0))
    # Were every word one most articles use, it would name nothing and lean on the conversation.
    assert is_follow_up("What does functools.lru_cache do?", known, said, lambda t: 0.9)
    # ... and a question that picks up something just said leans on it, however specific its words.
    assert is_follow_up("What does functools.lru_cache do?", known, {"cach"}, lambda t: share(t, 1.0))


# Two unrelated articles, written for this test: a topic switch must get its own answer.
COFFEE = """Rwanda's coffee comes of age

Coffee has been grown on the hills of Rwanda since the 1900s, but for most of the last century farmers sold \
cheap, unwashed beans to traders. That changed when washing stations spread across the country. A washing \
station pulps the cherries on the day they are picked and ferments the beans in water tanks, which gives the \
coffee a cleaner taste and a higher price.

Rwanda exported 15,000 tonnes of coffee in 2012. In 2017 the country exported 21,000 tonnes, most of it to \
buyers in the United States and Europe. Earnings rose faster than volumes, because more of the harvest was \
sold as specialty coffee.

The Maraba cooperative in the southern province was among the first to sell its beans to specialty roasters. \
President Paul Kagame visited the Maraba cooperative in March 2015 and praised its farmers for paying school \
fees with their coffee income. Today the cooperative has more than 1,500 members, many of them women who lost \
their husbands in the 1994 genocide.
"""
LIGHTHOUSE = """The lighthouse that was moved inland

Rubjerg Knude lighthouse stands on a cliff above the North Sea in northern Denmark. It was first lit in 1900, \
when it stood about 200 metres from the edge of the cliff. Sand blown in from the beach buried the keeper's \
houses, and the light was switched off in 1968 because the dunes hid it from ships.

The sea has eaten away the cliff ever since. In 2017 engineers warned that the lighthouse would fall into the \
sea within a few years. In October 2019 the 720-tonne tower was put on rails and moved 70 metres inland, a \
journey that took about ten hours and was watched by thousands of visitors.

Queen Margrethe visited the lighthouse in 2020 to open a new viewing platform. The municipality expects the \
tower to be safe until about 2060, when it may have to be moved again.
"""


@pytest.fixture(scope="module")
def two_topics(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> Assistant:
    root = tmp_path_factory.mktemp("two-topics")
    corpus = write_articles(root / "corpus", {"coffee.txt": COFFEE, "lighthouse.txt": LIGHTHOUSE})
    return Assistant(corpus_dir=corpus, index_dir=root / "index", embedder=embedder)


def _conversation(bot: Assistant, *questions: str) -> list[str]:
    """Each question asked with the turns before it, as the chat asks them; the answers' texts."""
    history: list[Turn] = []
    texts = []
    for question in questions:
        answer = bot.ask(question, history=history)
        history += [Turn("user", question), Turn("assistant", answer.text)]
        texts.append(answer.text)
    return texts


@pytest.mark.slow
@pytest.mark.parametrize(
    ("first", "switch", "expected"),
    [
        ("How much coffee did Rwanda export in 2012?", "When was the tower first lit?", "1900"),
        ("How is coffee fermented at a washing station?", "How many visitors watched?", "thousands of visitors"),
        ("How much coffee did Rwanda export in 2012?", "What buried the keeper's houses?", "Sand blown in"),
    ],
)
def test_a_topic_switch_gets_its_own_answer(two_topics: Assistant, first: str, switch: str, expected: str) -> None:
    alone = two_topics.ask(switch).text
    assert expected in alone  # the question is answerable on its own ...
    _, after = _conversation(two_topics, first, switch)
    assert after == alone  # ... and the coffee conversation before it changes nothing
    assert "coffee" not in after.lower()


@pytest.mark.slow
def test_a_real_follow_up_still_uses_the_conversation(two_topics: Assistant) -> None:
    # Alone, "And in 2017?" and "When did he visit?" could be about either article; both mention 2017 and a visit.
    assert NO_ANSWER in two_topics.ask("And in 2017?").text
    alone = two_topics.ask("When did he visit?")
    assert alone.abstained and "names no one" in alone.text  # and says why: who is "he"?
    _, in_2017 = _conversation(two_topics, "How much coffee did Rwanda export in 2012?", "And in 2017?")
    assert "21,000 tonnes" in in_2017
    _, visit = _conversation(two_topics, "Who visited the Maraba cooperative?", "When did he visit?")
    assert "March 2015" in visit


@pytest.mark.parametrize(
    ("question", "history", "expected"),
    [
        ("What did he tell them?", [], "he"),
        ("Where did she teach physics?", [], "she"),
        ("What did he tell them?", [Turn("user", "Who founded it?"), Turn("assistant", "Ann Author. [1]")], None),
        ("What did Aliyev say when he arrived?", [], None),  # names someone
        ("Which physicist has a rule named after him?", [], None),  # "him" is the one asked for
        ("Who argued in his thesis that electrons are waves?", [], None),
        ("When was the plant completed?", [], None),
    ],
)
def test_a_pronoun_with_no_one_to_point_at(question: str, history: list[Turn], expected: str | None) -> None:
    from assistant.answer.followups import unresolved_person

    assert unresolved_person(question, history) == expected


def test_a_first_question_about_he_asks_who_is_meant(tiny_corpus: Path, tmp_path: Path) -> None:
    """Found by a user after "New conversation": "What did he tell them?" got a quote of whoever the
    articles name most. With no one named and nothing before it, the assistant asks who is meant."""
    from assistant.embed.embedding import HashingEmbedder

    bot = Assistant(tiny_corpus, tmp_path / "index", embedder=HashingEmbedder())
    answer = bot.ask("What did he tell them?")
    assert answer.abstained and answer.citations == []
    assert answer.text.startswith("The question says “he” but names no one") and "with the name" in answer.text
    follow = bot.ask("What did he say about the plant?", history=[Turn("user", "Who built the Noor plant?")])
    assert "names no one" not in follow.text
