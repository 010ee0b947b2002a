"""Opening an index to answer from: rebuilt once when it cannot be read and its corpus is there, checked
against the embedding model, what to tell users when it may be out of step with the corpus, and a call
run again on the current index when a later sync removed the one it read."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from .errors import CorpusError, GenerationGone, IndexStateError, IndexWriteError
from .ingest.corpus import missing_corpus
from .settings import Settings
from .store import location
from .store.folder import MANIFEST
from .store.protocol import IndexStore

logger = logging.getLogger(__name__)


def no_index_yet(settings: Settings) -> bool:
    """An index folder with no index in it yet (a database store says so when it is opened)."""
    return settings.store is None and not (settings.index_dir / MANIFEST).exists()


def open_checked(settings: Settings, failed: str | None, rebuild: Callable[[], object]) -> IndexStore:
    """The index of `settings`, opened for reading; CorpusError when neither it nor its corpus is there.

    `failed` is why it could not be brought up to date (None when it was). An unreadable index is rebuilt
    (`rebuild`) when its corpus folder is there."""
    corpus, folder = settings.corpus_dir, settings.index_dir
    if not corpus.is_dir() and no_index_yet(settings):
        raise CorpusError(f"{missing_corpus(corpus)} (and no index at {folder})")
    try:
        data = location.open_index(settings.store, folder)
    except IndexStateError as exc:
        if failed:  # no index to fall back on: say why none could be written
            none = no_index_yet(settings)
            raise IndexWriteError(f"there is no index to answer from yet: {failed}" if none else failed) from exc
        if not corpus.is_dir():
            raise
        logger.warning("%s; rebuilding it from %s", str(exc).split(";")[0], corpus)
        rebuild()
        data = location.open_index(settings.store, folder)
    return data


def check_model(data: IndexStore, model: str, failed: str | None) -> None:
    """Refuse an index built with another model than `model`, with the command that rebuilds it (or, when
    it could not be rebuilt, why: `failed`)."""
    if data.model != model:
        if failed:
            raise IndexWriteError(failed)
        raise IndexStateError(f"the index was built with {data.model!r}, not {model!r}; run: assistant index --rebuild")


def stale_notice(settings: Settings, failed: str | None) -> str | None:
    """What an answer should say when the index it comes from may be out of step with the corpus."""
    if failed:
        return f"The index could not be brought up to date ({failed}): answers come from it as it was."
    if not settings.corpus_dir.is_dir() and settings.store is None:
        return f"The corpus folder {settings.corpus_dir} is not there: answers come from the index as it was."
    return None


P = ParamSpec("P")
R = TypeVar("R")


def on_current_generation(method: Callable[P, R]) -> Callable[P, R]:
    """Run a call once more, on the current index, when a later sync removed the generation it read (a
    shared index re-indexed twice within a few seconds): the caller gets an answer, not an error."""

    @functools.wraps(method)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except GenerationGone:  # the store marked itself superseded: `_ready` opens the current one
            return method(*args, **kwargs)

    return run
