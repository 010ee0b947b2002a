"""Where the assistant may write: a folder it can create, checked before anything is built."""

from __future__ import annotations

import os
from pathlib import Path


def can_create(path: Path) -> bool:
    """Can `path` be created (or replaced): is the nearest folder above it that exists writable?

    For an index folder: can a new one be built, since its lock, temporary build and old generation
    go beside it. False in a read-only folder or file system.
    """
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return os.access(parent, os.W_OK | os.X_OK)
