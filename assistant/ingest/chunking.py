"""Split an article into overlapping, sentence-aligned chunks that the embedder reads whole."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..records import Article, Chunk
from .sentences import article_spans, word_spans
from .tokens import count_tokens

Counter = Callable[[str], int]
# A verbatim block (code, a command's output) up to this many chunks long is one passage, cited whole
# (the model reads its first max_model_tokens); a longer one is cut between its lines.
BLOCK_CHUNKS = 16


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


def _lines(text: str, a: int, b: int, fits: Callable[[int, int], bool]) -> list[tuple[int, int]]:
    """A long verbatim block cut between its lines into pieces that each fit, as many lines as fit in each."""
    ends = [i for i in range(a, b) if text[i] == "\n"] + [b]
    pieces, start = [], a
    for k, end in enumerate(ends):
        if k + 1 == len(ends) or not fits(start, ends[k + 1]):
            if text[start:end].strip():
                pieces.append((start, end))
            start = end + 1
    return pieces


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

    blocks = {(int(a), int(b)) for a, b in article.blocks}
    units: list[tuple[int, int, int]] = []
    for a, b in article_spans(text, article.blocks):
        if (a, b) in blocks and tokens(text[a:b]) <= BLOCK_CHUNKS * settings.chunk_tokens:
            units.append((a, b, tokens(text[a:b])))  # a verbatim block stays whole, a passage of its own if need be
            continue
        cut = _lines(text, a, b, fits) if (a, b) in blocks else [(a, b)]
        for la, lb in cut:
            for pa, pb in _pieces(text, la, lb, fits):
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
        # Step back over whole sentences for the overlap, but always move forward, and only as far as the
        # next unit still fits after them (a chunk of nothing but overlap repeats its neighbour).
        k, kept = j, 0
        room = settings.chunk_tokens - units[j][2]
        while k - 1 > i and kept + units[k - 1][2] <= min(settings.overlap_tokens, room):
            k -= 1
            kept += units[k][2]
        i = k
    return chunks
