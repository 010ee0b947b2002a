"""Texinfo sources (GNU manuals, as Debian ships "manual.texi.gz") read as text.

Read as plain text, a Texinfo file is its markup: "@samp{bunzip2} has an option…", a title of
"\\input texinfo", and index entries, menus and node lines among the sentences; answers quoted it,
and the same manual's HTML and its source "disagreed" on figures. Here the commands that structure
the manual go (nodes, menus, index entries, conditionals for other formats), the chapter and section
commands are the headings, @item lines are lines of their own, examples keep their lines, and the
commands that only mark a word (@code{…}, @var{…}, @xref{…}) leave the word. It covers the commands
manuals use; other line commands are dropped.
"""

from __future__ import annotations

import re

from .sections import Heading

_HEADINGS = {
    "top": 1, "chapter": 1, "unnumbered": 1, "appendix": 1, "majorheading": 1, "chapheading": 1,
    "section": 2, "unnumberedsec": 2, "appendixsec": 2, "heading": 2,
    "subsection": 3, "unnumberedsubsec": 3, "appendixsubsec": 3, "subheading": 3,
    "subsubsection": 4, "unnumberedsubsubsec": 4, "appendixsubsubsec": 4, "subsubheading": 4,
}  # fmt: skip
# Blocks whose content is for another format, or no text: skipped to their @end.
_SKIPPED = {"menu", "ignore", "iftex", "ifhtml", "ifdocbook", "ifxml", "iflatex", "tex", "html", "titlepage",
            "direntry", "macro", "detailmenu", "copying", "documentdescription"}  # fmt: skip
_VERBATIM = {"example", "smallexample", "lisp", "smalllisp", "verbatim", "display", "smalldisplay", "format",
             "smallformat", "cartouche"}  # fmt: skip
_ITEMS = {"item", "itemx"}
_LINE = re.compile(r"^@(\w+)(?:\s+(.*))?$")
_BRACED = re.compile(r"@(\w+)\{([^{}]*)\}")  # innermost first
_SYMBOLS = {
    "dots": "…", "enddots": "…", "copyright": "©", "registeredsymbol": "®", "TeX": "TeX", "LaTeX": "LaTeX",
    "bullet": "•", "minus": "−", "result": "⇒", "expansion": "↦", "equiv": "≡", "error": "error→",
    "point": "∗", "tie": " ", "comma": ",", "atchar": "@", "lbracechar": "{", "rbracechar": "}", "backslashchar": "\\",
    "euro": "€", "pounds": "£", "today": "", "exclamdown": "¡", "questiondown": "¿",
}  # fmt: skip
_REFERENCES = {"xref": "see ", "pxref": "see ", "ref": "", "inforef": "see "}
_ESCAPES = {"@@": "@", "@{": "{", "@}": "}", "@*": " ", "@:": "", "@.": ".", "@?": "?", "@!": "!", "@ ": " ", "@-": ""}


def is_texinfo(raw: str) -> bool:
    """Does the text start as a Texinfo source does ("\\input texinfo", or its @setfilename)?"""
    head = raw.lstrip()[:2000]
    return head.startswith("\\input texinfo") or re.search(r"^@setfilename\s", head, re.MULTILINE) is not None


def _braced(match: re.Match[str]) -> str:
    name, body = match.group(1), match.group(2)
    if name in _SYMBOLS and not body:
        return _SYMBOLS[name]
    if name in _REFERENCES:
        return _REFERENCES[name] + body.split(",")[0].strip()
    if name in ("uref", "url", "email"):
        parts = [p.strip() for p in body.split(",")]
        return parts[1] if len(parts) > 1 and parts[1] else parts[0]
    if name in ("footnote",):
        return f" ({body})"
    if name in ("anchor", "index", "cindex", "findex"):
        return ""
    return body  # @code, @var, @samp, @emph, @strong, @file, @option, @command, @env, @kbd, @key, @w, …


def _inline(text: str) -> str:
    text = text.replace("@@", "\0")
    while (done := _BRACED.sub(_braced, text)) != text:
        text = done
    for escape, char in _ESCAPES.items():
        text = text.replace(escape, char)
    return text.replace("\0", "@")


def texinfo_to_text(raw: str) -> tuple[str, dict[str, str], list[Heading]]:
    """The manual as paragraphs (one a line), its @settitle, and its chapter and section headings."""
    paragraphs: list[str] = []
    headings: list[Heading] = []
    meta: dict[str, str] = {}
    current: list[str] = []
    skipping: list[str] = []  # the blocks being skipped, innermost last
    verbatim = False

    def close() -> None:  # a paragraph's marks are undone whole: "@samp{bzip2 -- …}" may run over a line end
        if current:
            paragraphs.append(_inline(" ".join(current)))
            current.clear()

    for line in raw.split("\n"):
        command = _LINE.match(line.strip()) if line.lstrip().startswith("@") else None
        name, rest = (command.group(1), command.group(2) or "") if command else ("", "")
        if skipping:
            if name == "end" and rest.strip() == skipping[-1]:
                skipping.pop()
            elif name in _SKIPPED:
                skipping.append(name)
            continue
        if verbatim:
            if name == "end" and rest.strip() in _VERBATIM:
                verbatim = False
            else:
                paragraphs.append(_inline(line).rstrip())
            continue
        if line.startswith("\\input") or (command is None and not line.strip()):
            close()
            continue
        if command is None or (name not in _HEADINGS and _BRACED.match(line.strip())):
            current.append(line.strip())  # a paragraph's line, maybe opening with @code{…}
            continue
        if name in ("c", "comment"):
            continue
        close()
        if name in _SKIPPED:
            skipping.append(name)
        elif name in _VERBATIM:
            verbatim = True
        elif name == "settitle":
            meta["title"] = _inline(rest).strip()
        elif name in _HEADINGS and (title := _inline(rest).strip()):
            paragraphs.append(title)
            headings.append((_HEADINGS[name], title, 0, ""))
        elif name in _ITEMS and rest.strip():
            paragraphs.append(_inline(rest).strip())
    close()
    return "\n".join(p for p in paragraphs if p.strip()), meta, headings
