"""Sentence spans with character offsets; lines are hard boundaries (they are paragraphs)."""

from __future__ import annotations

import re

_WORD = re.compile(r"\S+")
MIN_WORDS = 4  # shorter pieces are labels and fragments
_CLOSED = re.compile(r"[.!?\"”’')\]]$")  # not ":" (it announces what follows), not "…", not ";"
_OPEN_LOWER = re.compile(r"[a-z]+(?:[\s,;:]|$)")  # "with a size limit." is the tail of a sentence
_PROMPT = re.compile(r"^\S*[>$#]\s")  # "sqlite> PRAGMA …", "$ make": a command line, not prose


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
            here: list[tuple[int, int]] = []
            for a, b in offsets:
                a, b = _trim(line, a, b)
                if b <= a:
                    continue
                if here and _open_quote(line[here[-1][0] : here[-1][1]]):
                    here[-1] = (here[-1][0], b)  # a quotation goes on: “We do not … We support the plan”
                else:
                    here.append((a, b))
            spans += [(pos + a, pos + b) for a, b in here]
        pos = line_end + 1
    return spans


def _open_quote(text: str) -> bool:
    """Does a curly quotation opened in `text` stay open at its end?"""
    return text.count("“") > text.count("”")


def _trim(line: str, a: int, b: int) -> tuple[int, int]:
    while a < b and line[a].isspace():
        a += 1
    while b > a and line[b - 1].isspace():
        b -= 1
    return a, b


def word_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) offsets of the whitespace-separated words in `text[start:end]`."""
    return [(m.start(), m.end()) for m in _WORD.finditer(text, start, end)]


def is_statement(text: str) -> bool:
    """Can this sentence stand alone as an answer? Not a heading or label (no closing punctuation), not
    a line announcing what follows ("… as follows:"), not a tail cut at a line break, not a command."""
    text = text.strip()
    return (
        len(text.split()) >= MIN_WORDS
        and bool(_CLOSED.search(text))
        and not text.endswith(("…", "...", "…”", '..."'))
        and not _OPEN_LOWER.match(text)
        and not _PROMPT.match(text)
    )
