"""Chunk offsets point exactly into the article text; no chunk exceeds what the model reads."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.embed.embedding import SentenceTransformerEmbedder
from assistant.ingest.chunking import ChunkSettings, split_article
from assistant.ingest.cleaning import clean_text
from assistant.ingest.corpus import load_corpus
from assistant.records import Article

from .conftest import CORPUS

WORDS = st.sampled_from(
    [
        "trade",
        "grew",
        "by",
        "20.7%",
        "in",
        "2024.",
        "Dr.",
        "Smith",
        "said",
        "“quoted”",
        "U.S.",
        "—",
        "Baku’s",
        "3.744",
        "billion",
        "!",
        "?",
        "e.g.",
        "Ελλάδα",
        "中国",
        "Москва.",
        "x" * 40,
        "\n",
        "\n\n",
        " ",
        "\t",
    ]
)
TEXTS = st.lists(WORDS, min_size=0, max_size=400).map(" ".join)


def _check(article: Article, chunks_settings: ChunkSettings) -> None:
    chunks = split_article(article, chunks_settings)
    for i, c in enumerate(chunks):
        assert article.text[c.start : c.end] == c.text
        assert c.text == c.text.strip() and c.text
        assert c.ordinal == i and c.id == f"{article.source}#{i:04d}"
        assert c.source == article.source and c.title == article.title
    # Chunks move forward and together cover every non-space character of the article.
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)
    covered: set[int] = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    assert all(i in covered for i, ch in enumerate(article.text) if not ch.isspace())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS, size=st.integers(8, 120), overlap_ratio=st.floats(0, 0.9))
def test_offsets_invariant_on_generated_text(text: str, size: int, overlap_ratio: float) -> None:
    article = Article(source="gen.txt", title="Generated", text=clean_text(text))
    _check(article, ChunkSettings(chunk_tokens=size, overlap_tokens=int(size * overlap_ratio)))


@settings(max_examples=60, deadline=None)
@given(text=st.text(min_size=0, max_size=2000))
def test_offsets_invariant_on_arbitrary_unicode(text: str) -> None:
    article = Article(source="any.txt", title="Any", text=clean_text(text))
    _check(article, ChunkSettings(chunk_tokens=40, overlap_tokens=10))


@pytest.mark.slow
def test_offsets_invariant_and_model_limit_on_the_shipped_corpus() -> None:
    embedder = SentenceTransformerEmbedder()  # only its tokenizer is used: the weights never load
    report = load_corpus(CORPUS)
    assert len(report.articles) == 5 and not report.skipped
    for article in report.articles:
        chunks = split_article(article, ChunkSettings(), embedder.count_tokens)
        assert chunks
        _check(article, ChunkSettings())
        for c in chunks:
            assert embedder.count_tokens(c.text) <= embedder.max_tokens, c.id


@pytest.mark.slow
def test_model_limit_holds_even_when_tiktoken_undercounts() -> None:
    """Word pieces, not tiktoken tokens, decide what the model sees: the cap uses the model's count."""
    embedder = SentenceTransformerEmbedder()
    text = " ".join(["Qwxzyvbn"] * 120)  # rare letter runs: many word pieces per tiktoken token
    article = Article(source="odd.txt", title="Odd", text=text)
    chunks = split_article(
        article, ChunkSettings(chunk_tokens=1000, overlap_tokens=0, max_model_tokens=256), embedder.count_tokens
    )
    assert len(chunks) > 1
    assert all(embedder.count_tokens(c.text) <= 256 for c in chunks)
