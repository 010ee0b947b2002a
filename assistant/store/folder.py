"""The index folder: whose it is, and swapping a new build in without touching anything else.

The assistant writes an index only into a folder that is absent, empty, or holds nothing but
its own files; it never writes into, over or around the corpus; and every clean-up removes only
the file names it writes itself, so a user's file can never be deleted or moved aside.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import stat
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType

from ..errors import IndexWriteError, UnsafeFolderError

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
ARTICLES = "articles.jsonl"
CHUNKS = "chunks.jsonl"
VECTORS = "vectors.npy"
SENTENCES = "sentences.jsonl"
SENTENCE_VECTORS = "sentences.npy"
DENSE = "dense.faiss"
BM25 = "bm25"
README = "README.md"
FILES = (ARTICLES, CHUNKS, VECTORS, DENSE, BM25, SENTENCES, SENTENCE_VECTORS)
OURS = frozenset((*FILES, README, MANIFEST))
README_HEAD = "# The index folder"  # the first line of the README every index carries


def _is_bm25_file(path: Path) -> bool:
    """A file bm25s writes: `<part>.index.npy` or `<part>.index.json`."""
    return path.is_file() and not path.is_symlink() and path.name.endswith((".index.npy", ".index.json"))


def _is_ours(path: Path) -> bool:
    """Is this entry of an index folder named and shaped like one the assistant writes?"""
    if path.is_symlink() or path.name not in OURS:
        return False
    if path.name == BM25:
        return path.is_dir() and all(_is_bm25_file(child) for child in path.iterdir())
    return path.is_file()


def _signed(folder: Path) -> bool:
    """Does the folder carry our mark: an index manifest, or the README every index holds?"""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if isinstance(manifest, dict) and "schema_version" in manifest and "files" in manifest:
            return True
    except (OSError, ValueError):
        pass
    try:
        with (folder / README).open(encoding="utf-8", errors="replace") as fh:
            return fh.readline().strip() == README_HEAD
    except OSError:
        return False


def is_ours(folder: Path) -> bool:
    """A folder that holds nothing but an index (or what is left of one) of the assistant's."""
    entries = list(folder.iterdir())
    return not entries or (all(_is_ours(e) for e in entries) and _signed(folder))


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def _hidden_in(child: Path, parent: Path) -> bool:
    """Is `child` inside a hidden folder of `parent` (~/.cache/… of a home folder used as the corpus),
    which the corpus is never read from?"""
    return child != parent and any(part.startswith(".") for part in child.relative_to(parent).parts)


def check_writable(folder: Path, corpus_dir: Path | None = None) -> None:
    """Refuse, before anything is touched, to build an index at `folder` unless it is ours to write.

    Ours: absent, empty, or holding only the files an index holds. Never the corpus folder, a
    folder inside it (but for a hidden one, which is not read), or a folder that contains it.
    """
    real = folder.resolve()
    if corpus_dir is not None:
        corpus = corpus_dir.resolve()
        if _inside(real, corpus) and not _hidden_in(real, corpus):
            where = "is the corpus folder" if real == corpus else f"is inside the corpus folder {corpus_dir}"
            raise UnsafeFolderError(f"the index folder {folder} {where}; choose a folder outside it (--index DIR)")
        if _inside(corpus, real):
            raise UnsafeFolderError(
                f"the index folder {folder} contains the corpus folder {corpus_dir}; choose another one (--index DIR)"
            )
    if folder.is_symlink() and not folder.is_dir():
        raise UnsafeFolderError(f"the index folder {folder} is a link to something that is not a folder")
    if not folder.exists():
        return
    if not folder.is_dir():
        raise UnsafeFolderError(
            f"refusing to build the index at {folder}: it is a file, not a folder; choose another path (--index DIR)"
        )
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise UnsafeFolderError(f"cannot look inside the index folder {folder}: {exc.strerror or exc}") from None
    foreign = [entry.name for entry in entries if not _is_ours(entry)]
    if entries and not foreign and not _signed(folder):
        foreign = [entry.name for entry in entries]  # our file names, but not our index
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise UnsafeFolderError(
            f"refusing to build the index at {folder}: it holds files the assistant did not write ({shown}); "
            "nothing was changed. Choose an empty or new folder (--index DIR)"
        )


def _make_removable(folder: Path) -> None:
    """Give a read-only folder of ours (an old generation someone made read-only) back its owner's write bit."""
    info = folder.lstat()
    if not os.access(folder, os.W_OK) and info.st_uid == os.geteuid():
        folder.chmod(stat.S_IMODE(info.st_mode) | stat.S_IWUSR)


def remove_ours(folder: Path) -> None:
    """Delete the files an index consists of from `folder`, then the folder if that left it empty.

    Anything else in it stays where it is (and so does the folder), with a warning. A read-only
    folder that holds nothing but an index of ours is made writable for its owner first.
    """
    if folder.is_symlink() or not folder.is_dir():
        return
    try:
        if is_ours(folder):
            _make_removable(folder)
            if (folder / BM25).is_dir() and not (folder / BM25).is_symlink():
                _make_removable(folder / BM25)
    except OSError as exc:
        logger.warning("could not make %s writable: %s", folder, exc.strerror or exc)
    for entry in folder.iterdir():
        try:
            if entry.name == BM25 and entry.is_dir() and not entry.is_symlink():
                for child in entry.iterdir():
                    if _is_bm25_file(child):
                        child.unlink()
                entry.rmdir()
            elif entry.name in OURS and entry.is_file() and not entry.is_symlink():
                entry.unlink()
        except OSError as exc:
            logger.warning("could not remove %s: %s", entry, exc.strerror or exc)
    try:
        folder.rmdir()
    except OSError:
        left = sorted(p.name for p in folder.iterdir()) if os.access(folder, os.R_OK) else []
        logger.warning("left %s in place: it still holds %s", folder, ", ".join(left) or "files it may not remove")


def sidecar(folder: Path, tag: str) -> Path:
    """A hidden name beside `folder` for its lock, old generation or temporary build."""
    folder = Path(os.path.abspath(folder))  # "." names the folder it is
    if not folder.name:
        raise UnsafeFolderError(f"the index folder {folder} is a file system's root; choose a folder of its own")
    return folder.with_name(f".{folder.name}.{tag}")


_OURS_BESIDE = {"old": r"old-[0-9a-f]{8}", "tmp-": r"tmp-\w{8}"}  # the names swap() and a build give them


def _sidecars(folder: Path, tag: str) -> Iterable[Path]:
    """Our own folders beside `folder` of one kind: a user's ".idx.old-backup" is not one of them."""
    if not folder.parent.is_dir():
        return []
    name = re.compile(rf"\.{re.escape(folder.name)}\.{_OURS_BESIDE[tag]}")
    return sorted(p for p in folder.parent.glob(f".{folder.name}.{tag}*") if name.fullmatch(p.name))


def _keep_as_it_was(folder: Path, new: Path) -> None:
    """Give the new build the permission bits and group of the folder it replaces (a shared folder stays
    shared)."""
    info = folder.stat()
    new.chmod(stat.S_IMODE(info.st_mode))
    with contextlib.suppress(OSError):
        os.chown(new, -1, info.st_gid)


def _fill(tmp: Path, folder: Path) -> None:
    """Move a first build into the empty folder made for it, rather than put it in the folder's place: the
    folder stays the one the user made (its permissions, group, and a shell working in it). The manifest
    goes last: until it is there, no reader takes the folder for an index."""
    entries = sorted(tmp.iterdir(), key=lambda p: p.name == MANIFEST)
    for entry in entries:
        os.replace(entry, folder / entry.name)
    tmp.rmdir()


def _return_foreign(old: Path, folder: Path) -> None:
    """Files someone put in the index folder while it was being rebuilt went aside with it: put them back
    where they were (the next build refuses the folder, naming them, until they are moved)."""
    for entry in sorted(old.iterdir()):
        if not _is_ours(entry) and not (folder / entry.name).exists():
            os.replace(entry, folder / entry.name)
            logger.warning(
                "%s was put in the index folder while it was rebuilt: it is back at %s; move it elsewhere "
                "before the next build", entry.name, folder / entry.name,
            )  # fmt: skip


def swap(tmp: Path, folder: Path, fault: Callable[[str], None]) -> None:
    """Put the new build `tmp` in place of `folder`: the old index stays whole until the last rename.

    The old generation is renamed to a fresh name (never onto an earlier leftover), then only its
    index files are removed.
    """
    if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
        _fill(tmp, folder)
        return
    old = sidecar(folder, f"old-{uuid.uuid4().hex[:8]}")
    if folder.is_dir():
        _keep_as_it_was(folder, tmp)
    if folder.exists():
        os.replace(folder, old)
    fault("between-renames")  # a crash here is undone by recover() on the next open
    try:
        os.replace(tmp, folder)
    except OSError:
        if old.exists() and not folder.exists():
            os.replace(old, folder)  # put the previous index back before saying what went wrong
        raise
    if old.is_dir():
        try:
            _return_foreign(old, folder)
        except OSError as exc:
            logger.warning("could not move files back from %s: %s", old, exc.strerror or exc)
        remove_ours(old)


def recover(folder: Path, building: bool) -> None:
    """Finish a swap that a crash interrupted between its two renames; clear our leftovers.

    `building`: this process holds the build lock, so no other build's temporary folder is live.
    """
    if not (folder / MANIFEST).exists():
        for old in _sidecars(folder, "old"):
            if not (old / MANIFEST).is_file():
                continue
            if folder.is_dir() and not folder.is_symlink() and is_ours(folder):
                remove_ours(folder)  # a half-written folder of ours; anything else there stays
            if not folder.exists():
                try:
                    os.replace(old, folder)
                except OSError as exc:  # a reader of a read-only folder: it cannot finish the swap
                    logger.warning("cannot restore the previous index %s at %s: %s", old, folder, exc.strerror or exc)
                    break
                logger.warning("restored the previous index at %s after an interrupted build", folder)
            break
    if building:
        for leftover in (*_sidecars(folder, "tmp-"), *_sidecars(folder, "old")):
            if leftover.is_dir() and not leftover.is_symlink() and is_ours(leftover):
                remove_ours(leftover)


def read_only(folder: Path, needs: str) -> IndexWriteError:
    """The error for an index that `needs` writing ("is out of date (1 added)") where nothing can be written."""
    return IndexWriteError(
        f"the index at {folder} {needs} and cannot be written: {folder.parent} is read-only; "
        "make it writable, or build the index in another folder (--index DIR)"
    )


class Writing:
    """Names the file of a new index being written, so that a failure says which file it was.

    `with Writing(where) as at: np.save(at(path), ...)` turns any OSError inside into an
    IndexWriteError naming the last path given to `at` ("no space left on device while writing …").
    """

    def __init__(self, where: Path) -> None:
        self.path = where

    def __call__(self, path: Path) -> Path:
        self.path = path
        return path

    def __enter__(self) -> Writing:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if isinstance(exc, OSError):
            reason = "no space left on device" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
            reason = reason[:1].lower() + reason[1:]
            raise IndexWriteError(f"{reason} while writing {self.path}; the previous index is untouched") from exc
