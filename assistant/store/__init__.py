"""Store: keep an index (vectors, BM25 terms, records) behind one protocol: a folder (FAISS + bm25s) or PostgreSQL.

`postgres`, `postgres_rows`, `postgres_generation` and `postgres_sync` need the `postgres` extra and are
imported only when a database is named.
"""

from __future__ import annotations

from .files import IndexData, open_index
from .files_sync import sync
from .protocol import IndexStore, SyncReport, is_database

__all__ = ["IndexData", "IndexStore", "SyncReport", "is_database", "open_index", "sync"]
