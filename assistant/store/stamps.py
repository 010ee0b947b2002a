"""Whether a corpus folder is as it was when its index was last brought up to date, told from the files'
names, sizes and times (as `make` and git tell a changed file) without reading them: reading a folder of
PDF manuals takes seconds, and a question should not wait for it when nothing changed.

A stamp is a digest of the folder's files' stat data, the settings that decide what the index holds,
the package's code (a new release may read files differently) and the index generation it was taken
against; it is kept in the cache folder, never in the index or the corpus. Anything that differs, or
a stamp that cannot be read or written, means the folder is read as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from functools import cache
from pathlib import Path

from ..ingest.corpus import scan
from .folder import MANIFEST

PACKAGE = Path(__file__).resolve().parents[1]


@cache
def _code() -> bytes:
    """A digest of the package's source: reading rules change with it."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.digest()


RACY_NS = 2_000_000_000  # a file changed this recently may change again within its clock's tick: no stamp


def files(corpus_dir: Path, follow_links: bool) -> str:
    """A digest of what is in `corpus_dir` (every article file's name, size, times and inode, what is
    passed over, metadata.json), taken before the folder is read so that a change during the read shows.
    Empty when a file changed in the last RACY_NS (as git treats a file as racily clean): a second edit of
    the same size within a coarse clock's tick would leave the same stat data behind."""
    paths, skipped, _ = scan(corpus_dir, follow_links)
    digest = hashlib.sha256()
    newest = 0
    for path in [*paths, corpus_dir / "metadata.json"]:
        try:
            st = path.stat()
        except OSError:
            digest.update(b"missing " + os.fsencode(path) + b"\n")
            continue
        newest = max(newest, st.st_mtime_ns, st.st_ctime_ns)
        digest.update(os.fsencode(path) + f"\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}\n".encode())
    digest.update(json.dumps(skipped, sort_keys=True).encode())
    return "" if time.time_ns() - newest < RACY_NS else digest.hexdigest()


def _stamp(index_dir: Path, folder_digest: str, settings: str) -> str | None:
    if not folder_digest:  # too fresh to tell by
        return None
    try:
        generation = (index_dir / MANIFEST).read_bytes()
    except OSError:
        return None
    parts = (generation, settings.encode(), _code(), folder_digest.encode())
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def _where(index_dir: Path) -> Path:
    from ..embed.onnx_query import cache_dir

    key = hashlib.sha256(os.fsencode(index_dir.resolve())).hexdigest()[:24]
    return cache_dir() / "stamps" / f"{key}.txt"


def unchanged(index_dir: Path, folder_digest: str, settings: str) -> bool:
    """Is the folder (`folder_digest`, from `files`) as it was when the index in `index_dir`, built with
    `settings`, was last brought up to date?"""
    stamp = _stamp(index_dir, folder_digest, settings)
    try:
        return stamp is not None and _where(index_dir).read_text(encoding="ascii") == stamp
    except OSError:
        return False


def record(index_dir: Path, folder_digest: str, settings: str) -> None:
    """Remember that the index in `index_dir` is up to date with the folder as `folder_digest` found it."""
    stamp = _stamp(index_dir, folder_digest, settings)
    if stamp is None:
        return
    path = _where(index_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(stamp, encoding="ascii")
        temporary.replace(path)
    except OSError:  # a cache that cannot be written only costs the next question a read of the folder
        pass
