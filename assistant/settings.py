"""Where the parts are wired together: one Settings object for the Assistant and the CLI."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .embed.embedding import DEFAULT_MODEL
from .ingest.chunking import ChunkSettings
from .retrieval import FusionSettings

# The repository this package sits in ships corpus/ and index/ beside it.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _shipped_corpus() -> Path:
    shipped = PROJECT_ROOT / "corpus"
    return shipped if shipped.is_dir() else Path("corpus")


def default_corpus_dir() -> Path:
    if env := os.environ.get("ASSISTANT_CORPUS"):
        return Path(env).expanduser()
    return _shipped_corpus()


def index_for(corpus_dir: Path) -> Path:
    """Where the index of `corpus_dir` is kept when no index folder is named: the shipped `index/` for the
    shipped corpus; for any other folder a folder of its own under the cache folder, named after the
    corpus and its full path, so pointing the assistant at your documents never rebuilds the shipped
    index with them (nor the index of another folder of the same name)."""
    real = corpus_dir.expanduser().resolve()
    if real == _shipped_corpus().resolve():
        return PROJECT_ROOT / "index" if (PROJECT_ROOT / "corpus").is_dir() else Path("index")
    from .embed.onnx_query import cache_dir

    name = re.sub(r"[^\w.-]+", "-", real.name.encode("utf-8", "replace").decode()).strip("-.") or "corpus"
    return cache_dir() / "indexes" / f"{name}-{hashlib.sha256(os.fsencode(real)).hexdigest()[:12]}"


def default_index_dir(corpus_dir: Path | None = None) -> Path:
    """ASSISTANT_INDEX, else the index `index_for` keeps for the corpus (default: ASSISTANT_CORPUS or the
    shipped one)."""
    if env := os.environ.get("ASSISTANT_INDEX"):
        return Path(env).expanduser()
    return index_for(corpus_dir if corpus_dir is not None else default_corpus_dir())


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
    # read files that links in the corpus lead to outside it (the CLI: ASSISTANT_FOLLOW_LINKS=1)
    follow_links: bool = field(default_factory=lambda: os.environ.get("ASSISTANT_FOLLOW_LINKS", "0") not in ("", "0"))
    store: str | None = field(default_factory=default_store)  # postgresql://… instead of index_dir
    workers: int = 0  # batches an index build embeds at once, each on its share of the cores; 0: one per core

    def __post_init__(self) -> None:
        # Accept plain strings for paths, as programmers will pass them, and "~/docs" as a shell would.
        object.__setattr__(self, "corpus_dir", as_path(self.corpus_dir, "corpus_dir"))
        object.__setattr__(self, "index_dir", as_path(self.index_dir, "index_dir"))
        from .store.dense import INDEX_TYPES

        if self.index_type not in INDEX_TYPES:
            from .errors import InputError

            raise InputError(f"unknown index type {self.index_type!r}; choose one of {', '.join(INDEX_TYPES)}")


def as_path(value: object, name: str) -> Path:
    """`value` as an absolute Path with ~ expanded (the index folder "." may be swapped for a new build, and
    the process's working folder with it); InputError for what is no path at all (a number, None)."""
    if not isinstance(value, (str, os.PathLike)) or (isinstance(value, str) and not value.strip()):
        from .errors import InputError

        raise InputError(f"{name} must be a folder path (str or Path), not {value!r}")
    return Path(os.path.abspath(Path(value).expanduser()))
