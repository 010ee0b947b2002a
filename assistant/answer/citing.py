"""Citations for stored sentences: the chunk that holds a sentence, and the sentence's place in it."""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ..ingest import sections
from ..records import Article, Chunk, Citation
from ..store.protocol import sentence_text

if TYPE_CHECKING:
    from ..store.protocol import IndexStore


class Citer:
    """Citations for sentence rows of an index: the passage (chunk) holding each, with its offsets."""

    def __init__(self, data: IndexStore) -> None:
        self.data = data
        self._by_source: dict[str, list[Chunk]] = {}
        for chunk in data.chunks:
            self._by_source.setdefault(chunk.source, []).append(chunk)
        for items in self._by_source.values():
            items.sort(key=lambda c: c.start)
        self._starts = {s: [c.start for c in items] for s, items in self._by_source.items()}

    def holding(self, source: str, start: int, end: int) -> Chunk | None:
        """The chunk of `source` that holds `start:end` (the last one starting at or before it)."""
        items: Sequence[Chunk] = self._by_source.get(source, [])
        i = bisect.bisect_right(self._starts.get(source, []), start) - 1
        while i >= 0:
            if items[i].end >= end:
                return items[i]
            i -= 1
        return None

    def cite(self, row: int, marker: int = 0) -> Citation | None:
        """The citation of sentence `row` (None when no chunk holds it whole)."""
        sentence = self.data.sentences[row]
        chunk = self.holding(sentence.source, sentence.start, sentence.end)
        if chunk is None:
            return None
        a, b = sentence.start - chunk.start, sentence.end - chunk.start
        return Citation(marker, chunk.source, chunk.title, chunk.text, chunk.start, chunk.end, a, b)

    def text(self, row: int) -> str:
        return sentence_text(self.data, row)


def located(citations: Sequence[Citation], articles: Mapping[str, Article]) -> list[Citation]:
    """The citations, each with the page its sentence is on (an article read from a PDF) and the headings
    that hold it."""
    out = []
    for c in citations:
        article = articles.get(c.source)
        if article is None or c.card:
            out.append(c)
            continue
        at = c.start + c.sentence_start
        section = sections.path_at(article.headings, at, article.title)
        out.append(dataclasses.replace(c, page=article.page_at(at), section=section))
    return out
