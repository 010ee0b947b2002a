"""A local question-answering assistant over a folder of articles, with cited answers."""

from __future__ import annotations

from ._offline import go_offline

go_offline()

from .answer.timeline import Event, Timeline  # noqa: E402
from .answer.writer import AnswerWriter, ExtractiveWriter  # noqa: E402
from .core import Assistant  # noqa: E402
from .errors import (  # noqa: E402
    AssistantError,
    CorpusError,
    IndexReplaceError,
    IndexStateError,
    IndexWriteError,
    InputError,
    ModelNotFoundError,
    QuestionError,
    StoreUnavailable,
    UnsafeFolderError,
)
from .records import Answer, Citation, Passage, Turn  # noqa: E402
from .settings import Settings  # noqa: E402


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("assistant")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


__version__ = _version()

__all__ = [
    "Answer",
    "AnswerWriter",
    "Assistant",
    "AssistantError",
    "Citation",
    "CorpusError",
    "Event",
    "ExtractiveWriter",
    "IndexReplaceError",
    "IndexStateError",
    "IndexWriteError",
    "InputError",
    "ModelNotFoundError",
    "Passage",
    "QuestionError",
    "Settings",
    "StoreUnavailable",
    "Timeline",
    "Turn",
    "UnsafeFolderError",
    "__version__",
]
