"""Titles without the site name a folder's pages share ("Arrays — Project 3.2 documentation")."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

# Where a site name is joined to a page's own title: a spaced dash, bar, middle dot or colon, or an
# opening parenthesis ("Closure Example (libffi: the portable foreign function interface library)").
_JOIN = re.compile(r"\s+[—–|·:-]\s+|\s*[|·]\s*|:\s+|\s+(?=\()")


def _affixes(title: str) -> tuple[set[str], set[str]]:
    """The title's possible site suffixes (from a join to the end) and prefixes (up to a join)."""
    joins = list(_JOIN.finditer(title))
    return {title[m.start() :] for m in joins}, {title[: m.end()] for m in joins}


SHARED_BY = 3  # a site's affix is one this many of the titles share (or half of them, in a smaller folder)


def without_shared_affix(titles: Sequence[str]) -> list[str]:
    """`titles`, each without the longest suffix, then the longest prefix, that it shares with at least
    SHARED_BY of them (at least two, and half of a folder of fewer), when something of the title is left.
    A folder of pages from several sites loses each site's name."""
    out = list(titles)
    for index in (0, 1):  # suffixes, then prefixes
        counts: Counter[str] = Counter()
        for title in out:
            counts.update(_affixes(title)[index])
        least = max(2, min(SHARED_BY, (len(out) + 1) // 2))
        shared = {a for a, n in counts.items() if n >= least}
        for i, title in enumerate(out):
            mine = [a for a in _affixes(title)[index] if a in shared]
            if not mine:
                continue
            affix = max(mine, key=len)
            rest = title.removesuffix(affix) if index == 0 else title.removeprefix(affix)
            if rest.strip():
                out[i] = rest.strip()
    return out
