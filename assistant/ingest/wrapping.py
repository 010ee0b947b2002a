"""Plain text wrapped at a fixed width, read back into paragraphs.

Release notes, READMEs and changelogs are written with a line break every 70-80 characters; read
line by line (a line is a paragraph everywhere else), each sentence they wrap is cut in two and an
answer is half a sentence ("triggers-supporting version of dpkg."). A file is taken for wrapped
when most of its lines are near one width and many end inside a sentence; its wrapped lines are
then joined, while a blank line, a list item, a heading's underline, an indented block, a table's row
(columns set apart by runs of spaces or tabs) or a short line (a heading, the end of a paragraph) still
ends one. A file of one paragraph per line is left as it is. A file of a few lines is joined only where
each line but the last plainly runs on (it ends on "the", "or", a comma, or the next begins in lowercase).
"""

from __future__ import annotations

import itertools
import re

MIN_LINES = 8  # fewer lines tell little of how a file is written: then each but the last must run on
WIDTHS = (40, 100)  # a wrapping width is within these; longer lines are paragraphs of their own
NEAR_WIDTH = 0.6  # a line at least this share of the width was wrapped (a shorter one ended its paragraph)
OPEN_SHARE = 0.3  # wrapped: at least this share of the lines end inside a sentence and go on in the next
# Words a sentence does not end on: a line ending on one goes on in the next ("… queries the").
RUNS_ON = frozenset(
    ["a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to", "with"]
)
_ITEM = re.compile(r"^(?:[*+•◦‣–-]\s|\d{1,3}[.)]\s|\(?[a-zA-Z0-9]{1,3}\)\s)")
_RULE = re.compile(r"^\s*([=~^*#-])\1{2,}\s*$")  # "=====", "-----": a heading's underline or a separator
_ENDS = (".", "!", "?", ":", ";", '"', "”", ")")
_COLUMNS = re.compile(r"\S(?: {3,}|\t+ *)\S")  # "Alain Guibert      alguibert at free.fr": a table's row


def _cut(line: str, following: str) -> bool:
    """Does `line` end inside a sentence that `following` goes on with ("… sets and queries the" /
    "Hardware Clock, …"; "… the other maintainers," / "and …")?"""
    words = line.split()
    return bool(words) and (
        words[-1].lower() in RUNS_ON or line.endswith((",", "-")) or following.lstrip()[:1].islower()
    )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def is_wrapped(lines: list[str]) -> tuple[bool, int]:
    """Whether the text's lines were wrapped at a width, and that width."""
    body = [line.rstrip() for line in lines if line.strip()]
    if len(body) < MIN_LINES:  # a few lines: wrapped only if each but the last plainly runs on into the next
        width = max((len(line) for line in body), default=0)
        runs_on = all(
            NEAR_WIDTH * width <= len(a) and not _ITEM.match(a.lstrip()) and _cut(a, b)
            for a, b in itertools.pairwise(body)
        )
        return len(body) > 1 and WIDTHS[0] <= width <= WIDTHS[1] and runs_on, width
    width = sorted(len(line) for line in body)[int(0.9 * (len(body) - 1))]
    if not WIDTHS[0] <= width <= WIDTHS[1]:
        return False, width
    following = [b for a, b in itertools.pairwise(lines) if a.strip() and not a.rstrip().endswith(_ENDS)]
    open_ends = sum(1 for b in following if b.strip() and not _ITEM.match(b.lstrip()) and not _RULE.match(b))
    return open_ends >= OPEN_SHARE * len(body), width


def unwrap(raw: str) -> str:
    """`raw` with its wrapped lines joined into paragraphs, when it is wrapped text; else unchanged."""
    lines = raw.split("\n")
    wrapped, width = is_wrapped(lines)
    if not wrapped:
        return raw
    out: list[str] = []
    last = ""  # the last line read into out[-1]
    for line in lines:
        text = line.rstrip()
        joins = (
            bool(out)
            and bool(text.strip())
            and bool(last.strip())
            and len(last) >= NEAR_WIDTH * width
            and not _ITEM.match(text.lstrip())
            and not _RULE.match(text)
            and not _RULE.match(last)
            and _indent(text) < _indent(last) + 4  # deeper: a block of code or an example
            and not _COLUMNS.search(text.strip())
            and not _COLUMNS.search(last.strip())
        )
        if joins:
            out[-1] += ("" if out[-1].endswith("-") and text.lstrip()[:1].islower() else " ") + text.strip()
        else:
            out.append(text)
        last = text
    return "\n".join(out)
