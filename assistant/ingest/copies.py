"""One page saved in two formats ("events.md" and "events.html" side by side, as documentation sets
ship them) is one article: the other copy is skipped, with the reason, so that no list, overview,
summary or search result shows the page twice."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath

from ..records import Article

# The format kept of two copies: the source a page is set from before the pages set from it (a rendered
# page adds a table of contents and navigation, and the cleaning of HTML drops its repeated short lines).
PREFERRED = (".md", ".markdown", ".txt", ".html", ".htm", ".docx", ".pdf")
# Two files of one name in one folder are copies when this share of the shorter one's word triples is in
# the other. The Node.js API pages Debian ships as .md and .html share 0.80-1.0; two different pages of
# that set 0.07.
SAME_TEXT = 0.6
_WORD = re.compile(r"\w+")


def _triples(text: str) -> set[tuple[str, str, str]]:
    words = _WORD.findall(text.lower())
    return set(zip(words, words[1:], words[2:], strict=False))


def same_text(a: str, b: str) -> bool:
    """Does the shorter of two texts lie, word triple by word triple, mostly in the other?"""
    ta, tb = _triples(a), _triples(b)
    if not ta or not tb:
        return False
    return len(ta & tb) / min(len(ta), len(tb)) >= SAME_TEXT


def without_copies(articles: Sequence[Article], stem: Callable[[str], str]) -> tuple[list[Article], dict[str, str]]:
    """The articles with every copy of a page in another format left out, and why each was (by source).
    `stem` gives a source's name without the suffixes it is read by ("api/fs" for "api/fs.html.gz")."""
    by_stem: dict[str, list[Article]] = {}
    for article in articles:
        by_stem.setdefault(stem(article.source).lower(), []).append(article)
    skipped: dict[str, str] = {}
    for group in by_stem.values():
        if len(group) < 2:
            continue
        kept: list[Article] = []
        for article in sorted(group, key=_preference):
            copy_of = next((k for k in kept if same_text(k.text, article.text)), None)
            if copy_of is None:
                kept.append(article)
            else:
                skipped[article.source] = f"the same page as {copy_of.source}, which is read instead"
    return [a for a in articles if a.source not in skipped], skipped


def _preference(article: Article) -> tuple[int, str]:
    suffixes = [s.lower() for s in PurePosixPath(article.source).suffixes if s.lower() != ".gz"]
    suffix = suffixes[-1] if suffixes else ".txt"
    return (PREFERRED.index(suffix) if suffix in PREFERRED else PREFERRED.index(".txt"), article.source)
