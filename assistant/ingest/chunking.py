"""Split an article into overlapping, sentence-aligned chunks that the embedder reads whole."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..records import Article, Chunk
from .sentences import sentence_spans, word_spans
from .tokens import count_tokens

Counter = Callable[[str], int]


@dataclass(frozen=True)
class ChunkSettings:
    """Chunk size and overlap in tiktoken tokens; `max_model_tokens` is the embedder's hard cap."""

    chunk_tokens: int = 160
    overlap_tokens: int = 40
    max_model_tokens: int = 256

    def __post_init__(self) -> None:
        if self.chunk_tokens < 8:
            raise ValueError("chunk_tokens must be at least 8")
        if not 0 <= self.overlap_tokens < self.chunk_tokens:
            raise ValueError("overlap_tokens must be between 0 and chunk_tokens")


def _pieces(text: str, a: int, b: int, fits: Callable[[int, int], bool]) -> list[tuple[int, int]]:
    """Cut the span into word-aligned pieces that each fit; a single huge word is cut by characters."""
    if fits(a, b):
        return [(a, b)]
    words = word_spans(text, a, b)
    if len(words) > 1:
        mid = words[len(words) // 2][0]
        left_end = words[len(words) // 2 - 1][1]
        return _pieces(text, a, left_end, fits) + _pieces(text, mid, b, fits)
    if b - a <= 1:
        return [(a, b)]
    mid = (a + b) // 2
    return _pieces(text, a, mid, fits) + _pieces(text, mid, b, fits)


def split_article(
    article: Article,
    settings: ChunkSettings | None = None,
    model_tokens: Counter | None = None,
    tokens: Counter = count_tokens,
) -> list[Chunk]:
    """Chunks of `article` such that `article.text[c.start:c.end] == c.text`.

    Sentences are packed greedily up to `chunk_tokens`; the next chunk starts with the last
    sentences of the previous one, up to `overlap_tokens`. `model_tokens` counts what the
    embedder sees; no chunk exceeds `max_model_tokens` by that count.
    """
    settings = settings or ChunkSettings()
    text = article.text
    limit = settings.max_model_tokens

    def fits(a: int, b: int) -> bool:
        piece = text[a:b]
        if tokens(piece) > settings.chunk_tokens:
            return False
        return model_tokens is None or model_tokens(piece) <= limit

    units: list[tuple[int, int, int]] = []
    for a, b in sentence_spans(text):
        for pa, pb in _pieces(text, a, b, fits):
            units.append((pa, pb, tokens(text[pa:pb])))

    chunks: list[Chunk] = []
    i = 0
    while i < len(units):
        j, total = i, 0
        while j < len(units) and (j == i or total + units[j][2] <= settings.chunk_tokens):
            total += units[j][2]
            j += 1
        while j - i > 1 and not fits(units[i][0], units[j - 1][1]):
            j -= 1
        start, end = units[i][0], units[j - 1][1]
        chunks.append(
            Chunk(
                id=f"{article.source}#{len(chunks):04d}",
                source=article.source,
                title=article.title,
                ordinal=len(chunks),
                start=start,
                end=end,
                text=text[start:end],
            )
        )
        if j >= len(units):
            break
        # Step back over whole sentences for the overlap, but always move forward.
        k, kept = j, 0
        while k - 1 > i and kept + units[k - 1][2] <= settings.overlap_tokens:
            k -= 1
            kept += units[k][2]
        i = k
    return chunks
