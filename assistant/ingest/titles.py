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
