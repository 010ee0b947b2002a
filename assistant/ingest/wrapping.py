"""Hard-wrapped text joined back into its paragraphs: a plain-text file shown line by line (an HTML page
of <br>-ended lines) breaks its sentences where its lines end, not where its author did."""

from __future__ import annotations

import re

_LETTER = re.compile(r"[^\W\d_]")
WRAP_WIDTHS = (40, 100)  # hard-wrapped text has its longest lines about this long
WRAP_SLACK = 8  # a wrapped line ends within this many characters of the width, less its next line's first word
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•·]{1,2}\s|\d{1,3}[.)]\s|\(?[a-z\d]{1,2}\)\s)")
_INDENT = re.compile(r"^[ \xa0\t]*")
_RULE = frozenset("~=-_*#+ ")


def reflow(lines: list[str]) -> list[str]:
    """Hard-wrapped prose (a plain-text file shown line by line) joined back into its paragraphs: a line
    continues the one before when that one is filled nearly to the text's width, so that its next word
    would not have fit (or is at least half as wide and the sentence goes on in lower case), and neither
    is indented, blank, a list item or an underline. Lines of other
    widths (a paragraph per line, a list, a poem of short lines) are left as they are."""
    widths = sorted(_columns(line) for line in lines if line.strip())
    if len(widths) < 3 or not WRAP_WIDTHS[0] <= widths[-1] <= WRAP_WIDTHS[1]:
        return lines
    width = widths[int(0.9 * (len(widths) - 1))]  # where the text wraps, not its one overlong line
    out: list[str] = []
    before = ""
    for line in lines:
        if out and _continues(before, line, width, bool(_LIST_ITEM.match(out[-1].strip()))):
            out[-1] = f"{out[-1].rstrip()} {line.strip()}"
        else:
            out.append(line)
        before = line
    return out


def _indent(line: str) -> int:
    """How far a line of a text file shown in HTML is indented: its leading tabs and no-break spaces
    (plain spaces are the page's own line breaks)."""
    lead = _INDENT.match(line)
    return sum(ch != " " for ch in lead.group()) if lead else 0


def _continues(before: str, line: str, width: int, in_item: bool) -> bool:
    """Whether `line` goes on with the paragraph that the line `before` it was wrapped from: an indented
    line only under a line indented as far, or in a list item (its hanging indent)."""
    text = line.strip()
    indented = _indent(line) > 0 and _indent(line) != _indent(before) and not in_item
    if not before.strip() or not text or indented or _LIST_ITEM.match(text):
        return False
    if set(before.strip()) <= _RULE or set(text) <= _RULE or not _LETTER.search(before):
        return False
    if _columns(before) + 1 + len(text.split()[0]) > width - WRAP_SLACK:
        return True  # its next word would not have fit
    # wrapped early by hand: a sentence that goes on in lower case, from a line at least half as wide
    return text[0].islower() and not before.rstrip().endswith((".", "!", "?", ":")) and 2 * _columns(before) >= width


def _columns(line: str) -> int:
    """How many columns a line takes, its indentation included (not the page's own line-break space)."""
    return _indent(line) + len(line.strip())
