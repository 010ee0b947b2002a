"""Sentence vectors pooled from their chunk's encoding: one model pass, vectors that still name their sentence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.chunking import ChunkSettings
from assistant.corpus import load_corpus
from assistant.embedding import Embedder, HashingEmbedder, SentenceTransformerEmbedder
from assistant.index_store import SyncPlan, SyncReport, plan_sync
from assistant.late_chunking import SpanEmbedder, embed_rows
from assistant.store import open_index, sync

pytestmark = pytest.mark.slow


def _plan(corpus: Path, embedder: Embedder) -> tuple[SyncPlan, dict[str, str]]:
    """Small chunks with overlap, so sentences sit in two chunks and chunks end mid-article."""
    articles = load_corpus(corpus).articles
    plan = plan_sync(articles, {}, {}, {}, embedder, ChunkSettings(chunk_tokens=60, overlap_tokens=20), SyncReport())
    return plan, {a.source: a.text for a in articles}


def test_one_pass_gives_sentence_transformers_chunk_vectors_and_sentence_vectors_that_find_their_sentence(
    tiny_corpus: Path, embedder: SentenceTransformerEmbedder
) -> None:
    assert isinstance(embedder, SpanEmbedder)
    plan, texts = _plan(tiny_corpus, embedder)
    assert len(plan.chunks) > 1
    seen: list[tuple[int, int]] = []
    progress = lambda done, total: seen.append((done, total))  # noqa: E731
    chunks, sentences = embed_rows(plan.chunks, plan.chunk_rows, plan.sentences, plan.sentence_rows, texts,
                                   embedder, progress)  # fmt: skip
    alone_chunks = embedder.embed_documents([c.text for c in plan.chunks])
    assert np.min(np.sum(chunks * alone_chunks, axis=1)) > 0.9999
    alone = embedder.embed_documents([texts[s.source][s.start : s.end] for s in plan.sentences])
    assert np.allclose(np.linalg.norm(sentences, axis=1), 1.0, atol=1e-5)
    # Each pooled vector is closest to its own sentence embedded alone, not to its neighbours'.
    nearest = np.argmax(sentences @ alone.T, axis=1)
    assert np.mean(nearest == np.arange(len(alone))) >= 0.8
    # Progress counts word pieces, ending at the total the chunks hold.
    assert seen and seen[-1][0] == seen[-1][1] == sum(min(embedder.count_tokens(c.text), embedder.max_tokens)
                                                      for c in plan.chunks)  # fmt: skip


def test_index_build_reads_each_chunk_once_and_no_sentence_alone(
    tiny_corpus: Path, tmp_path: Path, embedder: SentenceTransformerEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts_alone: list[int] = []
    original = embedder.embed_documents
    monkeypatch.setattr(embedder, "embed_documents", lambda t, progress=None: texts_alone.append(len(t)) or original(t))
    report = sync(load_corpus(tiny_corpus).articles, tmp_path / "index", embedder)
    data = open_index(tmp_path / "index")
    assert texts_alone == [] and report.embedded_sentences == len(data.sentences) > len(data.chunks)
    vectors = np.asarray(data.sentence_vectors)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_other_embedders_embed_sentences_alone(tiny_corpus: Path) -> None:
    fake = HashingEmbedder()
    plan, texts = _plan(tiny_corpus, fake)
    _, sentences = embed_rows(plan.chunks, plan.chunk_rows, plan.sentences, plan.sentence_rows, texts, fake)
    assert fake.calls == [len(plan.chunks), len(plan.sentences)]
    first = plan.sentences[0]
    assert np.allclose(sentences[0], fake.embed_query(texts[first.source][first.start : first.end]))
