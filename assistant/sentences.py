"""Sentence spans with character offsets; lines are hard boundaries (they are paragraphs)."""

from __future__ import annotations

import re

_WORD = re.compile(r"\S+")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences in `text[start:end]`, trimmed of spaces.

    blingfire's finite-state splitter handles abbreviations, decimals and quotes, and is
    fast enough to run at query time; it treats newlines as spaces, so each line goes alone.
    """
    import blingfire

    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        line_end = end if nl == -1 else nl
        line = text[pos:line_end]
        if line.strip():
            _, offsets = blingfire.text_to_sentences_and_offsets(line)
            for a, b in offsets:
                a, b = _trim(line, a, b)
                if b > a:
                    spans.append((pos + a, pos + b))
        pos = line_end + 1
    return spans


def _trim(line: str, a: int, b: int) -> tuple[int, int]:
    while a < b and line[a].isspace():
        a += 1
    while b > a and line[b - 1].isspace():
        b -= 1
    return a, b


def word_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) offsets of the whitespace-separated words in `text[start:end]`."""
    return [(m.start(), m.end()) for m in _WORD.finditer(text, start, end)]
