"""The index format: the README written into every index folder, and the manifest's shape."""
# ruff: noqa: E501

from __future__ import annotations

from functools import cache
from typing import Any

FORMAT_README = """\
# The index folder

Built by `assistant index` from the articles in `corpus/`; rebuilt or updated automatically
when the articles or settings change. Every file is a plain, safe format: nothing here is
ever unpickled or executed.

| file | format | content |
|---|---|---|
| `manifest.json` | JSON | schema version, creation time, embedding model (name, dimensions, token limit), chunking settings, dense index type, counts, SHA-256 of each article's cleaned text, SHA-256 of every other file |
| `articles.jsonl` | JSON lines | one article per line: `source` (file name), `title`, `publisher`, `author`, `date`, `url`, `text` (the cleaned text all offsets point into), `sha256` |
| `chunks.jsonl` | JSON lines | row *i* is vector *i*: `id` (`<source>#<ordinal>`), `source`, `title`, `ordinal`, `start`, `end`, `text`, with `articles[source].text[start:end] == text` |
| `vectors.npy` | NumPy `.npy` (float32, `allow_pickle=False`) | the L2-normalised chunk embeddings, row *i* ↔ chunk *i*; reused when only some articles change |
| `sentences.jsonl` | JSON lines | every sentence of every article: `source`, `start`, `end` (offsets into the article text), sorted by article and position |
| `sentences.npy` | NumPy `.npy` (float32) | the sentence embeddings, row *i* ↔ sentence *i*; memory-mapped, used to pick answer sentences precisely |
| `dense.faiss` | FAISS index | inner-product search over the same vectors (`auto` by default: exact `flat` up to 150,000 chunks, recall-checked `hnsw` above; `flat`, `hnsw` or `ivf` as a setting) |
| `bm25/` | JSON + `.npy` (bm25s) | the BM25 lexical index over the chunk texts, built once at indexing time |

A build is written to a temporary folder beside this one and swapped in with a rename, so a
crash mid-build leaves the previous index usable. Opening checks the checksums and says how to
fix a damaged index (`assistant index --rebuild`).

The code that writes and reads this folder is in `assistant/store/`: `files.py` builds, updates
and opens it, `format.py` checks its manifest, `folder.py` swaps a build in and never touches a
file it did not write.
"""


@cache
def _manifest_schema() -> Any:
    """The manifest's shape as a pydantic model, built once (pydantic is imported only to read an index)."""
    from pydantic import BaseModel

    class Counts(BaseModel):
        articles: int
        chunks: int
        sentences: int

    class Manifest(BaseModel):
        schema_version: int
        files: dict[str, str]
        counts: Counts
        articles: dict[str, dict[str, str]]
        model: dict[str, Any]
        chunking: dict[str, Any]
        dense: dict[str, str]

    return Manifest


def manifest_problem(manifest: Any) -> str | None:
    """What is wrong with a manifest's shape, or None when it is sound."""
    from pydantic import ValidationError

    try:
        _manifest_schema().model_validate(manifest, strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "manifest"
        return f"{where}: {first['msg'].lower()}"
    return None
