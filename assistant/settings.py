"""Where the parts are wired together: one Settings object for the Assistant and the CLI."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .embed.embedding import DEFAULT_MODEL
from .ingest.chunking import ChunkSettings
from .retrieval import FusionSettings

# The repository this package sits in ships corpus/ and index/ beside it.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_corpus_dir() -> Path:
    if env := os.environ.get("ASSISTANT_CORPUS"):
        return Path(env)
    shipped = PROJECT_ROOT / "corpus"
    return shipped if shipped.is_dir() else Path("corpus")


def default_index_dir() -> Path:
    if env := os.environ.get("ASSISTANT_INDEX"):
        return Path(env)
    return PROJECT_ROOT / "index" if (PROJECT_ROOT / "corpus").is_dir() else Path("index")


def default_store() -> str | None:
    """The database the index is kept in (ASSISTANT_STORE=postgresql://…), or None for the index folder."""
    return os.environ.get("ASSISTANT_STORE") or None


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with defaults that work on the shipped corpus."""

    corpus_dir: Path = field(default_factory=default_corpus_dir)
    index_dir: Path = field(default_factory=default_index_dir)
    model: str = os.environ.get("ASSISTANT_MODEL", DEFAULT_MODEL)
    chunking: ChunkSettings = field(default_factory=ChunkSettings)
    index_type: str = "auto"  # flat (exact) below dense.APPROXIMATE_FROM chunks, HNSW above; or name one
    fusion: FusionSettings = field(default_factory=FusionSettings)
    answer_passages: int = 10
    follow_links: bool = False  # read files that links in the corpus lead to outside it
    store: str | None = field(default_factory=default_store)  # postgresql://… instead of index_dir
    workers: int = 0  # batches an index build embeds at once, each on its share of the cores; 0: one per core

    def __post_init__(self) -> None:
        # Accept plain strings for paths, as programmers will pass them.
        object.__setattr__(self, "corpus_dir", Path(self.corpus_dir))
        object.__setattr__(self, "index_dir", Path(self.index_dir))
