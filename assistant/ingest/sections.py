"""Sections: where each heading of an article is in its cleaned text, and the heading path at an offset.

The readers give the headings in document order (HTML and Markdown h1-h6, Word heading styles, a
PDF's outline); each is found as a line of the cleaned text at or after the previous one, so the
offsets point into the text the chunks are cut from. A heading the cleaner dropped is left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

# Level (1 = top), heading text, offset in the text to look from, and the start of the text that follows it.
Heading = tuple[int, str, int, str]
SEPARATOR = " › "
_NUMBER = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[A-Z]\.(?:\d+\.)*)\s+(?=\S)")  # "7.2.7 ", "2.3. ", "A.1 "


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def locate(text: str, headings: Sequence[Heading]) -> list[list[Any]]:
    """[start, level, title] of each heading found in `text`, in order.

    A heading is found by the text that follows it, on the first line at or after the previous
    heading's that begins with it (the heading's own line just before it, when it is there), else
    by its own text: a table of contents at the top names the same headings, and the cleaner keeps
    only the first of repeated short lines, so a heading's own line may be missing."""
    lines, at = [], 0
    for line in text.split("\n"):
        lines.append((at, _key(line)))
        at += len(line) + 1
    out: list[list[Any]] = []
    i = 0
    for level, title, least, after in headings:
        key, follow = _key(title), _key(after)
        if not key:
            continue
        j = _first(lines, i, least, partial(_begins, lines, prefix=follow)) if follow else None
        if j is not None and j > 0 and lines[j - 1][1] == key and j - 1 >= i:
            j -= 1
        if j is None:
            j = _first(lines, i, least, partial(_titled, key, lines))
        if j is not None:
            out.append([lines[j][0], level, " ".join(title.split())])
            i = j
    return out


def _begins(lines: list[tuple[int, str]], k: int, prefix: str) -> bool:
    """Whether the text from line k on begins with `prefix`, lines joined by spaces (a signature the
    cleaned text keeps on several lines: "int" / "asn1_parser2array (const char *file,")."""
    text = lines[k][1]
    while len(text) < len(prefix) and k + 1 < len(lines) and prefix.startswith(text):
        k += 1
        text += " " + lines[k][1]
    return text.startswith(prefix)


def _titled(key: str, lines: list[tuple[int, str]], k: int) -> bool:
    """Whether line k is the heading: its text, perhaps numbered ("7.2.7 camellia") or followed by more."""
    line = _NUMBER.sub("", lines[k][1])
    return line == key or line.startswith(key + " ")


def _first(lines: list[tuple[int, str]], i: int, least: int, match: Callable[[int], bool]) -> int | None:
    """The first line from i on, starting at or after offset `least`, that `match` (given its index) takes."""
    return next((j for j in range(i, len(lines)) if lines[j][0] >= least and match(j)), None)


def path_at(headings: Sequence[Sequence[Any]], offset: int, title: str = "") -> str | None:
    """The headings that hold `offset`, outermost first ("Chapter › Section"); the article's own title
    left out. None before the first heading."""
    stack: list[tuple[int, str]] = []
    for start, level, text in headings:
        if start > offset:
            break
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((int(level), str(text)))
    names = [text for _, text in stack if _key(text) != _key(title)]
    return SEPARATOR.join(names) if names else None
