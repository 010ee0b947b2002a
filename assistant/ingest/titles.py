"""Titles: of a file that declares none (its first line, when that reads as one), and without the site name a
folder's pages share ("Arrays — Project 3.2 documentation")."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from .cleaning import first_line
from .wrapping import RUNS_ON

# Where a site name is joined to a page's own title: a spaced dash, bar, middle dot or colon, or an
# opening parenthesis ("Closure Example (libffi: the portable foreign function interface library)").
_JOIN = re.compile(r"\s+[—–|·:-]\s+|\s*[|·]\s*|:\s+|\s+(?=\()")


def _affixes(title: str) -> tuple[set[str], set[str]]:
    """The title's possible site suffixes (from a join to the end) and prefixes (up to a join)."""
    joins = list(_JOIN.finditer(title))
    return {title[m.start() :] for m in joins}, {title[: m.end()] for m in joins}


def without_shared_affix(titles: Sequence[str]) -> list[str]:
    """`titles`, each without the longest suffix, then the longest prefix, that at least half of them
    (and at least two) share, when something of the title is left."""
    out = list(titles)
    for index in (0, 1):  # suffixes, then prefixes
        counts: Counter[str] = Counter()
        for title in out:
            counts.update(_affixes(title)[index])
        least = max(2, (len(out) + 1) // 2)
        shared = [a for a, n in counts.items() if n >= least]
        if not shared:
            continue
        affix = max(shared, key=len)
        for i, title in enumerate(out):
            rest = title.removesuffix(affix) if index == 0 else title.removeprefix(affix)
            if rest != title and rest.strip():
                out[i] = rest.strip()
    return out


TITLE_WORDS = 20  # a longer first line is the text's first paragraph, not its title
# A first line that stops on one of these (or on a comma) runs on into the next: a wrapped sentence.


_DEP5 = re.compile(r"Format:\s*https?://\S*copyright-format", re.IGNORECASE)


def untitled(path: Path, text: str, name: str) -> str:
    """A title for a file that declares none: its first line, unless that is one word (a PDF or Word
    file's first heading, "Name") or no title at all (a paragraph, a sentence wrapped on to the next
    line: "This package was made by … on", the first of a run of release headings), then `name`, the
    file's name without the suffixes it is read by. A Debian copyright file ("Format: https://…
    copyright-format/1.0/") is its upstream's: "bzip2 copyright"."""
    line = first_line(text)[:200]
    if _DEP5.match(line):  # Debian's machine-readable copyright file: whose copyright it is
        upstream = re.search(r"^Upstream-Name:[ \t]*(\S.*)$", text[:2000], re.MULTILINE)
        return f"{upstream.group(1).strip()} copyright" if upstream else name
    words = line.split()
    # a PDF or Word file's first heading, or a label in capitals ("NAME", "CONTENTS") heading a text file
    one_word = len(words) < 2 and (path.suffix.lower() in (".pdf", ".docx") or line.isupper())
    runs_on = bool(words) and (words[-1].lower() in RUNS_ON or line.endswith((",", "-", "–", ":")))  # "Authors:"
    if not words or one_word or runs_on or len(words) > TITLE_WORDS or _recurs(line, text):
        return name.replace("_", " ").replace("-", " ")
    return line


def _recurs(line: str, text: str) -> bool:
    """Is a first line with a figure in it the first of a run of headings of one form, its numbers aside
    ("Noteworthy changes in version 2.2.40 (2022-10-10)" in NEWS, "2022-10-10  Werner Koch  <wk@…>" in a
    ChangeLog)? Then it heads the latest entry, not the file."""
    if not re.search(r"\d", line):
        return False
    shape = re.sub(r"\d+", "0", line).strip()
    return any(re.sub(r"\d+", "0", other).strip() == shape for other in text.split("\n")[1:])


_ORG_SETTING = re.compile(r"^#\+(\w+):[ \t]*(.*)$")  # "#+TITLE: GnuPG Details", "#+OPTIONS: ^:{}"
_ORG_HEADER = 20  # an Org file sets its title in its first lines


def org_settings(raw: str) -> tuple[str, str | None]:
    """An Org file's text without its in-buffer settings and comment lines ("#+OPTIONS: …", "# …"), which
    are no article text, and the title it sets (#+TITLE:); a text that is not Org comes back as it was."""
    lines = raw.split("\n")
    if not any(_ORG_SETTING.match(line) for line in lines[:_ORG_HEADER]):
        return raw, None
    title, kept = None, []
    for line in lines:
        if setting := _ORG_SETTING.match(line):
            if setting.group(1).lower() == "title" and title is None:
                title = setting.group(2).strip() or None
        elif not (line.startswith("# ") or line.rstrip() == "#"):
            kept.append(line)
    return "\n".join(kept), title
