"""An index's vectors in one pass: the same vectors as embedding each text alone, progress in word pieces."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from assistant.embed.embedding import Embedder, HashingEmbedder, SentenceTransformerEmbedder
from assistant.embed.vectors import embed_texts, vectors_for
from assistant.ingest.chunking import ChunkSettings
from assistant.ingest.corpus import load_corpus
from assistant.ingest.sentences import is_statement
from assistant.store.protocol import SyncPlan, SyncReport, plan_sync


def _plan(corpus: Path, embedder: Embedder) -> tuple[SyncPlan, dict[str, str]]:
    articles = load_corpus(corpus).articles
    plan = plan_sync(articles, {}, {}, {}, embedder, ChunkSettings(chunk_tokens=60, overlap_tokens=20), SyncReport())
    return plan, {a.source: a.text for a in articles}


@pytest.mark.slow
def test_vectors_match_each_text_embedded_alone_and_progress_counts_word_pieces(
    tiny_corpus: Path, embedder: SentenceTransformerEmbedder
) -> None:
    plan, texts = _plan(tiny_corpus, embedder)
    seen: list[tuple[int, int]] = []
    chunks, sentences = vectors_for(plan.chunks, plan.chunk_rows, plan.sentences, plan.sentence_rows, texts,
                                    embedder, None, lambda done, total: seen.append((done, total)))  # fmt: skip
    said = [texts[x.source][x.start : x.end] for x in plan.sentences]
    built = [i for i, t in enumerate(said) if is_statement(t)]  # the others are embedded when read
    assert 0 < len(built) < len(said) and not sentences[[i for i in range(len(said)) if i not in built]].any()
    alone = np.stack([embedder.embed_documents([said[i]])[0] for i in built])
    assert np.min(np.sum(sentences[built] * alone, axis=1)) > 0.9999  # batching with longer texts changes nothing
    assert np.min(np.sum(chunks * embedder.embed_documents([c.text for c in plan.chunks]), axis=1)) > 0.9999
    every = [c.text for c in plan.chunks] + [said[i] for i in built]
    pieces = [min(embedder.count_tokens(t), embedder.max_tokens) for t in every]
    assert seen[-1] == (sum(pieces), sum(pieces))
    assert all(a[0] < b[0] for a, b in itertools.pairwise(seen))


def test_kept_rows_are_copied_and_only_new_rows_embedded(tiny_corpus: Path) -> None:
    fake = HashingEmbedder()
    plan, texts = _plan(tiny_corpus, fake)
    old_chunks = np.full((len(plan.chunks), fake.dim), 7.0, dtype=np.float32)
    rows = [None if i == 0 else i for i in range(len(plan.chunks))]
    chunks, sentences = vectors_for(plan.chunks, rows, plan.sentences, [0] * len(plan.sentences), texts, fake,
                                    (old_chunks, np.ones((1, fake.dim), np.float32)))  # fmt: skip
    assert fake.calls == [1]  # one new chunk, no sentence
    assert np.allclose(chunks[0], fake.embed_query(plan.chunks[0].text)) and np.all(chunks[1:] == 7.0)
    assert np.all(sentences == 1.0)


def test_longest_texts_go_first_so_the_estimate_starts_pessimistic() -> None:
    fake = HashingEmbedder()
    texts = ["short one", "a much longer text with many more words in it than the others", "mid sized text here"]
    seen: list[tuple[int, int]] = []
    embed_texts(texts, fake, lambda done, total: seen.append((done, total)))
    lengths = sorted((fake.count_tokens(t) for t in texts), reverse=True)
    assert [d for d, _ in seen][: len(lengths)] == list(np.cumsum(lengths))[: len(seen)]
