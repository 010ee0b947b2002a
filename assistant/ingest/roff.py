"""Manual pages (troff with the man macros, as Debian ships them in /usr/share/man) read as text.

Read as plain text, a man page is its markup: ".B --max-cache-ttl \\fIn\\fR", "\\(oqtrustedkeys.kbx\\(cq",
and a title made of its ".TH" line. Here the page is set the way `man` shows it, in text: the requests
that break a paragraph (.PP, .TP, .IP, .SH …) end one, the lines between them are joined, font changes
and the common special characters become plain text, the NAME line ("gpgv - Verify OpenPGP
signatures") is the title and .SH/.SS headings are the sections. No-fill blocks (.nf/.fi, .EX/.EE)
keep their lines. It covers the man macros most pages use; other requests are dropped.
"""

from __future__ import annotations

import re

from .sections import Heading

_TH = re.compile(r"^\.TH\s", re.MULTILINE)
_COMMENT = re.compile(r"^(?:\.|')\\\"")
_REQUEST = re.compile(r"^[.'](\S*)\s*(.*)$")
_FONTS = {"B", "I", "SM", "SB"}  # their arguments, set in one font, joined by spaces
_ALTERNATING = {"BR", "RB", "IR", "RI", "BI", "IB"}  # their arguments, alternating fonts, joined without
_BREAKS = {"PP", "LP", "P", "sp", "br", "TP", "IP", "HP", "RS", "RE", "TQ", "in", "ti", "SY", "YS", "OP"}
_NOFILL, _FILL = {"nf", "EX"}, {"fi", "EE"}
_SPECIAL = {
    "em": "—", "en": "–", "oq": "‘", "cq": "’", "lq": "“", "rq": "”", "dq": '"', "aq": "'", "co": "©",
    "rg": "®", "tm": "™", "bu": "•", "hy": "-", "mi": "-", "pl": "+", "mu": "×", "de": "°", "ga": "`",
    "ha": "^", "ti": "~", "rs": "\\", "at": "@", "sh": "#", "Do": "$", "lh": "☜", "rh": "☞", "->": "→",
    "<-": "←", "<=": "≤", ">=": "≥", "!=": "≠", "sc": "§", "ps": "¶",
}  # fmt: skip
_ESCAPE = re.compile(
    r"\\(?:\((?P<two>..)|\[(?P<named>[^\]]*)\]|f(?:\(..|\[[^\]]*\]|.)|\*(?:\(..|\[[^\]]*\]|.)|s[+-]?\d"
    r"|(?P<one>.))"
)
_ONE = {"-": "-", "e": "\\", "\\": "\\", " ": " ", "~": " ", "0": " "} | dict.fromkeys("&|^c%/,:)", "")
_CONTINUED = re.compile(r"(?<!\\)((?:\\\\)*)\\\n")  # a line ending in a lone backslash goes on in the next


def is_man_page(raw: str) -> bool:
    """Does the text set a manual page (a .TH request near its top)?"""
    return _TH.search(raw[:20_000]) is not None


def _inline(text: str) -> str:
    """The text with its escapes undone: fonts and strings gone, special characters as Unicode."""

    def one(m: re.Match[str]) -> str:
        if m.group("two") is not None:
            return _SPECIAL.get(m.group("two"), "")
        if m.group("named") is not None:
            return _SPECIAL.get(m.group("named"), "")
        if m.group("one") is not None:
            return _ONE.get(m.group("one"), m.group("one"))
        return ""  # a font change, a string, a size

    return _ESCAPE.sub(one, text)


_ARGUMENT = re.compile(r'"((?:[^"]|"")*)"?|((?:\\.|[^\s\\])+)')  # "a quoted one" or one\ with\ escapes


def _arguments(rest: str) -> list[str]:
    """A request's arguments: split at spaces, a quoted one whole ("" in it is a quote)."""
    return [m.group(1).replace('""', '"') if m.group(1) is not None else m.group(2) for m in _ARGUMENT.finditer(rest)]


def man_to_text(raw: str) -> tuple[str, dict[str, str], list[Heading]]:
    """The page as paragraphs (one a line), its title and date, and its .SH/.SS headings."""
    paragraphs: list[str] = []
    headings: list[Heading] = []
    meta: dict[str, str] = {}
    current: list[str] = []
    fill = True

    def close() -> None:
        if current:
            paragraphs.append(" ".join(current))
            current.clear()

    for line in _CONTINUED.sub(r"\1", raw).split("\n"):
        if _COMMENT.match(line):
            continue
        request = _REQUEST.match(line) if line[:1] in (".", "'") else None
        if request is None:
            text = _inline(line).rstrip()
            if not fill:
                paragraphs.append(text)
            elif text.strip():
                current.append(text.strip())
            else:
                close()
            continue
        name, args = request.group(1), _arguments(request.group(2))
        if name == "TH":
            if len(args) > 2 and re.fullmatch(r"\d{4}-\d\d-\d\d", args[2]):
                meta["date"] = args[2]
            meta.setdefault("title", f"{args[0]}({args[1]})" if len(args) > 1 else (args[0] if args else ""))
        elif name in ("SH", "SS"):
            close()
            if section := _inline(" ".join(args)).strip():
                paragraphs.append(section)
                headings.append((1 if name == "SH" else 2, section, 0, ""))
        elif name in _FONTS:
            current.append(_inline(" ".join(args)))
        elif name in _ALTERNATING:
            current.append(_inline("".join(args)))
        elif name in _NOFILL or name in _FILL:
            close()
            fill = name in _FILL
        elif name in _BREAKS:
            close()
            if name == "IP" and args and args[0].strip():  # .IP "tag": the tag on a line of its own
                paragraphs.append(_inline(args[0]))
    close()
    if "NAME" in paragraphs[:-1]:  # "gpgv - Verify OpenPGP signatures", as the page's NAME says
        meta["title"] = paragraphs[paragraphs.index("NAME") + 1]
    return "\n".join(p for p in paragraphs if p.strip()), meta, headings
