"""Where an index is kept, the index folder or a PostgreSQL database named by its address: syncing into,
opening and checking either, so that nothing above the store branches on which it is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..embed.embedding import Embedder
from ..ingest.chunking import ChunkSettings
from ..records import Article
from . import files, files_sync
from .protocol import IndexStore, SyncReport


def sync(
    database: str | None,
    folder: Path,
    corpus: list[Article],
    embedder: Embedder,
    chunking: ChunkSettings,
    index_type: str,
    *,
    rebuild: bool = False,
    progress: Callable[[int, int], None] | None = None,
    corpus_dir: Path | None = None,
    replace: bool = False,
) -> SyncReport:
    """Bring the index in `database` (when given) or in `folder` up to date with `corpus`; `replace`: even
    when that removes most of what it holds (`store.replacement`)."""
    if database is not None:
        from . import postgres_sync

        return postgres_sync.sync(corpus, database, embedder, chunking, index_type, rebuild=rebuild,
                                  progress=progress, corpus_dir=corpus_dir, replace=replace)  # fmt: skip
    return files_sync.sync(corpus, folder, embedder, chunking, index_type, rebuild=rebuild, progress=progress,
                           corpus_dir=corpus_dir, replace=replace)  # fmt: skip


def open_index(database: str | None, folder: Path) -> IndexStore:
    """The index in `database` (when given) or in `folder`, opened for reading."""
    if database is not None:
        from . import postgres

        return postgres.open_index(database)
    return files.open_index(folder)


def shown(database: str | None, folder: Path) -> str:
    """Where the index is kept, for messages: the folder, or the database without its password."""
    if database is None:
        return str(folder)
    from .postgres import redact

    return redact(database)


def built_in_database(database: str | None) -> bool:
    """Whether `database` is given and already holds an index (which only `assistant index` changes)."""
    if database is None:
        return False
    from . import postgres

    return postgres.exists(database)
