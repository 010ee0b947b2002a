"""The index on disk: build, update incrementally, verify and open — safe formats, atomic swaps."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndexStateError
from ..records import Article, Chunk, Sentence
from . import dense
from .folder import (
    ARTICLES,
    BM25,
    CHUNKS,
    DENSE,
    FILES,
    MANIFEST,
    SENTENCE_VECTORS,
    SENTENCES,
    recover,
    sidecar,
)
from .format import manifest_problem
from .lexical import LexicalIndex
from .protocol import (
    REFRESH_S,
    ArticleFeatures,
)

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass
class IndexData(ArticleFeatures):
    """An opened index folder: everything a search needs, read-only once loaded."""

    folder: Path
    manifest: dict[str, Any]
    articles: dict[str, Article]
    chunks: list[Chunk]
    dense: Any
    lexical: LexicalIndex
    sentences: list[Sentence] = field(default_factory=list)
    sentence_vectors: np.ndarray | None = None  # memory-mapped: only the sentences read are paged in
    opened_as: tuple[int, ...] = ()  # the manifest file it was read from (a rebuild puts a new one in place)
    _checked: float = field(default_factory=time.monotonic)

    @cached_property
    def _sources(self) -> np.ndarray:
        return np.array([c.source for c in self.chunks], dtype=object)

    def _mask(self, sources: Collection[str] | None) -> np.ndarray | None:
        if not sources:
            return None
        return np.isin(self._sources, list(sources))

    def dense_search(
        self, query: np.ndarray, k: int, sources: Collection[str] | None = None
    ) -> list[tuple[int, float]]:
        """Up to k (row, similarity) pairs, best first, among the chunks of `sources` (all if none)."""
        return dense.search(self.dense, query, k, self._mask(sources))

    def lexical_search(self, query: str, k: int, sources: Collection[str] | None = None) -> list[tuple[int, float]]:
        """Up to k (row, BM25 score) pairs with a positive score, best first."""
        return self.lexical.search(query, k, self._mask(sources))

    def superseded(self) -> bool:
        """Whether another process has re-indexed the folder since it was opened (its manifest is another
        file now); looked at most every REFRESH_S seconds, so a server answers from the new index."""
        if not self.opened_as or time.monotonic() - self._checked < REFRESH_S:
            return False
        self._checked = time.monotonic()
        now = identity(self.folder)
        return now is not None and now != self.opened_as

    def ping(self) -> None:
        """Nothing to reach: an opened index folder is in memory (and memory-mapped files)."""

    def similarities(self, query: np.ndarray, rows: list[int]) -> dict[int, float]:
        """Cosine similarity of the query to these rows (those the dense search did not return)."""
        try:
            vecs = np.stack([self.dense.reconstruct(int(r)) for r in rows])
        except RuntimeError:  # an IVF index without a direct map cannot reconstruct
            return {}
        return {r: float(s) for r, s in zip(rows, vecs @ query, strict=True)}


def file_hash(path: Path) -> str:
    if path.is_dir():
        digest = hashlib.sha256()
        for child in sorted(path.iterdir()):
            digest.update(child.name.encode() + b"\0" + file_hash(child).encode())
        return digest.hexdigest()
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


# --- reading -------------------------------------------------------------------------------


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexStateError(f"no index at {folder} (missing {MANIFEST}); run: assistant index") from None
    except (OSError, ValueError) as exc:
        raise IndexStateError(f"unreadable {path}: {exc}; run: assistant index --rebuild") from exc
    problem = manifest_problem(manifest)
    if problem is not None:
        raise IndexStateError(f"{path} is not a valid index manifest ({problem}); run: assistant index --rebuild")
    return manifest


def verify(
    folder: Path,
    manifest: dict[str, Any],
    names: tuple[str, ...] = FILES,
) -> None:
    """Check the listed files against the manifest's checksums."""
    for name in names:
        path = folder / name
        if not path.exists():
            raise IndexStateError(f"index file missing: {path}; run: assistant index --rebuild")
        if file_hash(path) != manifest["files"].get(name):
            raise IndexStateError(f"index file damaged (checksum mismatch): {path}; run: assistant index --rebuild")


def open_index(folder: Path) -> IndexData:
    """Load a verified index. Raises IndexStateError saying how to fix a broken one."""
    recover(folder, building=folder in _held)
    opened_as = identity(folder) or ()
    manifest = read_manifest(folder)
    verify(folder, manifest)
    try:
        articles = {}
        for row in read_jsonl(folder / ARTICLES):
            row.pop("sha256", None)
            articles[row["source"]] = Article(**row)
        chunks = [Chunk(**row) for row in read_jsonl(folder / CHUNKS)]
        index = dense.load(folder / DENSE)
        lexical = LexicalIndex.load(folder / BM25, len(chunks))
        sentences = [Sentence(**row) for row in read_jsonl(folder / SENTENCES)]
        sentence_vectors = np.load(folder / SENTENCE_VECTORS, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise IndexStateError(f"index at {folder} cannot be read ({exc}); run: assistant index --rebuild") from exc
    if index.ntotal != len(chunks) or manifest["counts"]["chunks"] != len(chunks):
        raise IndexStateError(f"index at {folder} is out of step (vectors ≠ chunks); run: assistant index --rebuild")
    if len(sentence_vectors) != len(sentences):
        raise IndexStateError(f"index at {folder} is out of step (sentences); run: assistant index --rebuild")
    return IndexData(folder, manifest, articles, chunks, index, lexical, sentences, sentence_vectors, opened_as)


def identity(folder: Path) -> tuple[int, ...] | None:
    """Which manifest file the folder holds (device, inode, modification time); None while there is none."""
    try:
        st = (folder / MANIFEST).stat()
    except OSError:  # a rebuild is swapping the folders this instant
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns)


# --- writing -------------------------------------------------------------------------------


_held: set[Path] = set()


def build_running(folder: Path) -> bool:
    """Whether another process holds `folder`'s build lock now (a reader then reads the index as it is
    rather than wait for the build to end)."""
    from filelock import FileLock, Timeout

    lock = sidecar(folder, "lock")
    if folder in _held or not lock.exists():
        return False
    try:
        with FileLock(str(lock), timeout=0):
            return False
    except Timeout:
        return True
    except OSError:  # a lock file it may not open (a read-only folder): no build of ours could run there
        return False


@contextmanager
def build_lock(folder: Path, timeout: float = 600) -> Iterator[None]:
    """One writer per index folder; a second build waits for the first."""
    from filelock import FileLock

    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(sidecar(folder, "lock")), timeout=timeout):
        _held.add(folder)
        try:
            yield
        finally:
            _held.discard(folder)
