"""One page saved in two formats ("events.md" and "events.html" side by side, as documentation sets
ship them) is one article: the other copy is skipped, with the reason, so that no list, overview,
summary or search result shows the page twice. So is a one-page edition of pages the folder also
holds one by one (Node.js's "all.html"): the pages are read, the edition that repeats them is not."""

from __future__ import annotations

import re
from collections import Counter
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
# A one-page edition: a file that holds at least EDITION_PARTS other files of the folder (SAME_TEXT of
# each one's word triples, tried on EDITION_SAMPLE of them) and is EDITION_SIZE times the median length.
EDITION_PARTS = 3
EDITION_SIZE = 3
EDITION_SAMPLE = 50


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
    kept = [a for a in articles if a.source not in skipped]
    editions = _editions(kept)
    skipped.update(editions)
    return [a for a in kept if a.source not in editions], skipped


def _editions(articles: Sequence[Article]) -> dict[str, str]:
    """The one-page editions among `articles`, each with the reason it is left out: long files that hold
    EDITION_PARTS or more of the others, which make up most of them."""
    if len(articles) <= EDITION_PARTS:
        return {}
    sizes = sorted(len(a.text) for a in articles)
    median = sizes[len(sizes) // 2]
    wholes = [a for a in articles if len(a.text) >= EDITION_SIZE * median]
    if not wholes:  # no file long enough to hold others: nothing to sample (most folders)
        return {}
    by_source = {a.source: a for a in articles}
    samples = {a.source: _sample(a.text) for a in articles}
    sampled_in: dict[tuple[str, str, str], list[str]] = {}
    for source, sample in samples.items():
        for triple in sample:
            sampled_in.setdefault(triple, []).append(source)
    found: dict[str, str] = {}
    for whole in wholes:
        hits: Counter[str] = Counter()
        for triple in _triples(whole.text):
            hits.update(sampled_in.get(triple, ()))
        parts = sorted(
            source
            for source, n in hits.items()
            if source != whole.source and source not in found and n >= SAME_TEXT * len(samples[source])
        )
        if len(parts) >= EDITION_PARTS and sum(len(by_source[p].text) for p in parts) >= SAME_TEXT * len(whole.text):
            shown = ", ".join(parts[:3]) + (f" and {len(parts) - 3} more" if len(parts) > 3 else "")
            found[whole.source] = f"a one-page edition of {len(parts)} articles read one by one ({shown})"
    return found


def _sample(text: str) -> list[tuple[str, str, str]]:
    """EDITION_SAMPLE of a text's word triples (every so many of them in sorted order: the same each time)."""
    triples = sorted(_triples(text))
    step = max(len(triples) // EDITION_SAMPLE, 1)
    return triples[::step][:EDITION_SAMPLE]


def _preference(article: Article) -> tuple[int, str]:
    suffixes = [s.lower() for s in PurePosixPath(article.source).suffixes if s.lower() != ".gz"]
    suffix = suffixes[-1] if suffixes else ".txt"
    return (PREFERRED.index(suffix) if suffix in PREFERRED else PREFERRED.index(".txt"), article.source)
