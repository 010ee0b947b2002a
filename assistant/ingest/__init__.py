"""Ingest: read a folder of documents, clean their text, split it into sentences and into chunks with offsets."""

from __future__ import annotations

from .chunking import ChunkSettings, split_article
from .corpus import LoadReport, load_corpus
from .sentences import sentence_spans
from .tokens import TokenCounter, count_tokens

__all__ = [
    "ChunkSettings",
    "LoadReport",
    "TokenCounter",
    "count_tokens",
    "load_corpus",
    "sentence_spans",
    "split_article",
]
