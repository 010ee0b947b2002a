"""Sentence vectors pooled from their chunk's encoding ("late chunking"): the model reads each text once.

Embedding every sentence on its own as well as every chunk made the model read about ten times
more texts than chunks. Here each chunk is encoded once; its vector is the mean of its token
states, as sentence-transformers computes it, and a sentence's vector is the mean of the states
of the tokens that start inside it, in every chunk that holds them (a sentence in two overlapping
chunks is read in both contexts). The tokenizer's character offsets place the tokens.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .records import Chunk, Sentence

log = logging.getLogger(__name__)

Span = tuple[int, int]
States = Callable[[dict[str, np.ndarray]], np.ndarray]  # feeds -> (batch, width, dim) token states
TokenProgress = Callable[[int, int], None]  # (tokens embedded so far, tokens to embed)


@dataclass
class Pooled:
    """Per text: its vector, and per span the sum and count of the token states inside it."""

    vectors: np.ndarray
    sums: list[np.ndarray]
    counts: list[np.ndarray]


@runtime_checkable
class SpanEmbedder(Protocol):
    """An embedder that can also pool token states over character spans of the texts it reads."""

    def embed_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]], progress: TokenProgress | None = None
    ) -> Pooled | None: ...


def _normalised(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.asarray(vectors / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def pool_spans(
    tokenizer: Any,
    states: States,
    max_tokens: int,
    batch_size: int,
    texts: Sequence[str],
    spans: Sequence[Sequence[Span]],
    progress: TokenProgress | None = None,
) -> Pooled:
    """Encode `texts` in batches of similar token length and pool their token states.

    `tokenizer` is a `tokenizers.Tokenizer` without truncation; a text longer than `max_tokens`
    keeps its first pieces and its closing [SEP], as sentence-transformers cuts it.
    """
    encodings = tokenizer.encode_batch(list(texts))
    lengths = [min(len(e.ids), max_tokens) for e in encodings]
    total = sum(lengths)
    order = sorted(range(len(texts)), key=lambda i: -lengths[i])
    vectors: np.ndarray | None = None
    sums: list[np.ndarray] = [np.zeros(0)] * len(texts)
    counts: list[np.ndarray] = [np.zeros(0)] * len(texts)
    done = 0
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        width = max(lengths[i] for i in rows)
        feeds = {name: np.zeros((len(rows), width), dtype=np.int64) for name in
                 ("input_ids", "attention_mask", "token_type_ids")}  # fmt: skip
        for r, i in enumerate(rows):
            enc, n = encodings[i], lengths[i]
            cut = slice(0, n - 1) if len(enc.ids) > n else slice(0, n)
            ids, types = enc.ids[cut], enc.type_ids[cut]
            if len(enc.ids) > n:
                ids, types = ids + enc.ids[-1:], types + enc.type_ids[-1:]
            feeds["input_ids"][r, :n] = ids
            feeds["token_type_ids"][r, :n] = types
            feeds["attention_mask"][r, :n] = 1
        hidden = np.asarray(states(feeds), dtype=np.float32)
        mask = feeds["attention_mask"].astype(np.float32)[:, :, None]
        batch_vectors = _normalised((hidden * mask).sum(1) / np.maximum(mask.sum(1), 1e-9))
        if vectors is None:
            vectors = np.zeros((len(texts), hidden.shape[-1]), dtype=np.float32)
        vectors[rows] = batch_vectors
        for r, i in enumerate(rows):
            enc, n = encodings[i], lengths[i]
            starts = np.array([a for a, _ in enc.offsets[:n]], dtype=np.int64)
            plain = np.array(enc.special_tokens_mask[:n], dtype=bool) == 0
            bounds = np.array(spans[i], dtype=np.int64).reshape(-1, 2)
            inside = (starts[None, :] >= bounds[:, :1]) & (starts[None, :] < bounds[:, 1:]) & plain[None, :]
            sums[i] = inside.astype(np.float32) @ hidden[r, :n]
            counts[i] = inside.sum(1)
        done += sum(lengths[i] for i in rows)
        if progress:
            progress(done, total)
    if vectors is None:
        vectors = np.zeros((0, 0), dtype=np.float32)
    return Pooled(vectors, sums, counts)


def embed_rows(
    chunks: Sequence[Chunk],
    chunk_rows: Sequence[int | None],
    sentences: Sequence[Sentence],
    sentence_rows: Sequence[int | None],
    texts: dict[str, str],
    embedder: Any,
    progress: TokenProgress | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Vectors for the chunks and the sentences whose row is None (those to embed), in their order.

    With a `SpanEmbedder`, sentences are pooled from their chunks' encoding; a sentence no chunk
    reads (or any sentence, with another embedder) is embedded on its own.
    """
    todo_chunks = [c for c, row in zip(chunks, chunk_rows, strict=True) if row is None]
    todo_sentences = [s for s, row in zip(sentences, sentence_rows, strict=True) if row is None]
    began = time.perf_counter()
    by_source: dict[str, list[int]] = {}
    for i, c in enumerate(todo_chunks):
        by_source.setdefault(c.source, []).append(i)
    held: list[list[int]] = [[] for _ in todo_chunks]  # sentence indices each chunk holds (a part of)
    for j, s in enumerate(todo_sentences):
        for i in by_source.get(s.source, []):
            if todo_chunks[i].start < s.end and s.start < todo_chunks[i].end:
                held[i].append(j)
    pooled = None
    if isinstance(embedder, SpanEmbedder) and todo_chunks:
        spans = [[(max(todo_sentences[j].start, c.start) - c.start, min(todo_sentences[j].end, c.end) - c.start)
                  for j in held[i]] for i, c in enumerate(todo_chunks)]  # fmt: skip
        pooled = embedder.embed_spans([c.text for c in todo_chunks], spans, progress)
    dim = embedder.dim
    sentence_vectors = np.zeros((len(todo_sentences), dim), dtype=np.float32)
    alone = list(range(len(todo_sentences)))
    if pooled is not None:
        chunk_vectors = pooled.vectors
        sum_ = np.zeros((len(todo_sentences), dim), dtype=np.float32)
        count = np.zeros(len(todo_sentences), dtype=np.float32)
        for i, members in enumerate(held):
            if members:
                sum_[members] += pooled.sums[i]
                count[members] += pooled.counts[i]
        read = count > 0
        sentence_vectors[read] = _normalised(sum_[read] / count[read, None])
        alone = [j for j in alone if not read[j]]
    else:
        chunk_vectors = _embed_alone(embedder, [c.text for c in todo_chunks], progress)
    if alone:
        lone = [todo_sentences[j] for j in alone]
        sentence_vectors[alone] = _embed_alone(embedder, [texts[s.source][s.start : s.end] for s in lone], None)
    log.info("embedded %d chunks and %d sentences (%d alone) in %.1f s", len(todo_chunks), len(todo_sentences),
             len(alone), time.perf_counter() - began)  # fmt: skip
    return chunk_vectors.reshape(len(todo_chunks), dim), sentence_vectors


def _embed_alone(embedder: Any, texts: list[str], progress: TokenProgress | None) -> np.ndarray:
    """`embedder.embed_documents`, its progress reported in tokens like `pool_spans`'."""
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    lengths = [embedder.count_tokens(t) for t in texts] if progress else [0] * len(texts)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # the order embed_documents reads them in
    total, done, seen = sum(lengths), 0, 0

    def step(n: int) -> None:
        nonlocal done, seen
        done += sum(lengths[i] for i in order[seen : seen + n])
        seen += n
        if progress:
            progress(done, total)

    return np.asarray(embedder.embed_documents(texts, progress=step), dtype=np.float32)


def vectors_for(
    chunks: Sequence[Chunk],
    chunk_rows: Sequence[int | None],
    sentences: Sequence[Sentence],
    sentence_rows: Sequence[int | None],
    texts: dict[str, str],
    embedder: Any,
    old: tuple[np.ndarray | None, np.ndarray | None] | None,
    progress: TokenProgress | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """All chunk and sentence vectors of a new index: embedded where the row is None, else copied
    from `old` (the previous index's chunk and sentence vectors; None leaves kept rows zero, for a
    store that copies them itself)."""
    new_chunks, new_sentences = embed_rows(chunks, chunk_rows, sentences, sentence_rows, texts, embedder, progress)
    out = []
    for rows, new, before in ((chunk_rows, new_chunks, old and old[0]), (sentence_rows, new_sentences, old and old[1])):
        full = np.zeros((len(rows), embedder.dim), dtype=np.float32)
        full[[i for i, row in enumerate(rows) if row is None]] = new
        keep = [i for i, row in enumerate(rows) if row is not None]
        if keep and before is not None:
            full[keep] = before[np.array([rows[i] for i in keep], dtype=np.int64)]
        out.append(full)
    return out[0], out[1]
