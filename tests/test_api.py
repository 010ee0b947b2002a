"""The public Python API on the shipped corpus, with the real model and real FAISS."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

import assistant
from assistant import Assistant, QuestionError, Turn
from assistant.embed.embedding import HashingEmbedder

from .conftest import CORPUS


def test_public_surface_is_pinned() -> None:
    assert assistant.__all__ == [
        "Answer",
        "AnswerWriter",
        "Assistant",
        "AssistantError",
        "Citation",
        "CorpusError",
        "Event",
        "ExtractiveWriter",
        "IndexReplaceError",
        "IndexStateError",
        "IndexWriteError",
        "InputError",
        "ModelNotFoundError",
        "Passage",
        "QuestionError",
        "Settings",
        "StoreUnavailable",
        "Timeline",
        "Turn",
        "UnsafeFolderError",
        "__version__",
    ]
    assert all(hasattr(assistant, name) for name in assistant.__all__)


def test_committed_index_opens_without_embedding(bot: Assistant) -> None:
    """A fresh clone answers from the shipped index: nothing is re-embedded."""
    bot.search("trade")
    assert bot.last_sync is not None
    assert bot.last_sync.written is False
    assert bot.last_sync.embedded_chunks == 0


def _normalise(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).lower()


# Questions of our own, worded unlike the articles; each names a fact that must be in a top-3 passage.
TOP3 = [
    ("By what percentage did China-Azerbaijan trade rise in 2024?", "20.7"),
    ("What was the value of bilateral trade in 2007?", "$289 million"),
    ("When did the two countries open diplomatic relations?", "April 2, 1992"),
    ("How many cooperation documents were signed during the state visit?", "20 cooperation documents"),
    ("What route links China with Europe through the Caspian?", "Middle Corridor"),
    ("Which Chinese news agency interviewed Aliyev?", "Xinhua"),
    ("When was the Hubei International Professional Exchange Association founded?", "1988"),
    ("What is Azerbaijan's status in the Shanghai Cooperation Organization?", "dialogue partner"),
    ("What did the foreign minister tell Global Times about Taiwan?", "does not recognize the independence of Taiwan"),
    ("Who did Heydar Aliyev meet in China in 1994?", "Jiang Zemin"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("question", "fact"), TOP3)
def test_answer_passage_in_top3(bot: Assistant, question: str, fact: str) -> None:
    hits = bot.search(question, k=3)
    assert any(_normalise(fact) in _normalise(p.text) for p in hits), [p.chunk_id for p in hits]


@pytest.mark.slow
def test_search_returns_passages_with_exact_offsets(bot: Assistant) -> None:
    hits = bot.search("trade turnover in 2024", k=10)
    assert len(hits) == 10
    assert len({p.chunk_id for p in hits}) == 10  # ten different passages
    assert [p.score for p in hits] == sorted((p.score for p in hits), reverse=True)
    for p in hits:
        assert (CORPUS / p.source).is_file()
        article = bot._ready().data.articles[p.source]
        assert article.text[p.start : p.end] == p.text


@pytest.mark.slow
def test_search_can_be_limited_to_articles(bot: Assistant) -> None:
    source = sorted(bot.sources)[1]
    hits = bot.search("trade", k=5, sources=[source])
    assert hits
    assert {p.source for p in hits} == {source}


@pytest.mark.slow
def test_ask_answers_with_a_citation_that_supports_it(bot: Assistant) -> None:
    ans = bot.ask(
        "How much did trade grow in 2024?",
        history=[Turn(role="user", content="Tell me about trade."), Turn(role="assistant", content="...")],
    )
    assert not ans.abstained
    assert "20.7" in ans.text
    markers = {int(m) for m in re.findall(r"\[(\d+)\]", ans.text)}
    assert markers == {c.marker for c in ans.citations}
    for c in ans.citations:
        assert c.sentence_start < c.sentence_end and c.sentence in ans.text
        assert c.text == bot._ready().data.articles[c.source].text[c.start : c.end]
    assert ans.passages and ans.timings["retrieval_s"] > 0


@pytest.mark.slow
def test_off_topic_question_is_refused(bot: Assistant) -> None:
    ans = bot.ask("What is a good recipe for banana bread?")
    assert ans.abstained
    assert ans.text.startswith("The articles do not cover this.")


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question_is_a_clear_error(question: str) -> None:
    with pytest.raises(QuestionError, match="Please ask a question"):
        Assistant(corpus_dir=CORPUS, index_dir="/nonexistent").ask(question)


@pytest.mark.slow
def test_langchain_retriever_carries_metadata(bot: Assistant) -> None:
    from langchain_core.retrievers import BaseRetriever

    retriever = bot.as_retriever(k=3)
    assert isinstance(retriever, BaseRetriever)  # LangChain's own type: what its chains accept
    docs = retriever.invoke("Belt and Road Initiative")
    assert len(docs) == 3
    for doc in docs:
        assert {"source", "title", "start", "end", "score", "chunk_id"} <= set(doc.metadata)
        text = bot._ready().data.articles[doc.metadata["source"]].text
        assert text[doc.metadata["start"] : doc.metadata["end"]] == doc.page_content


def test_opening_the_index_is_timed_apart_from_retrieval(
    tiny_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by a new user: `retrieval_s` of each `assistant ask --json` was seconds, most of it opening the index."""
    Assistant(tiny_corpus, tmp_path / "index", embedder=fake_embedder).index()
    bot = Assistant(tiny_corpus, tmp_path / "index", embedder=fake_embedder)
    opened = Assistant._open

    def slow_open(self: Assistant) -> object:
        time.sleep(0.5)
        return opened(self)

    monkeypatch.setattr(Assistant, "_open", slow_open)
    first = bot.ask("How long does the night train take?")
    assert first.timings["open_s"] >= 0.5 > first.timings["retrieval_s"]
    assert bot.ask("How long does the night train take?").timings["open_s"] < 0.5  # opened once
