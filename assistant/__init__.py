"""A local question-answering assistant over a folder of articles, with cited answers."""

from __future__ import annotations

from ._offline import go_offline

go_offline()

from .answer.writer import AnswerWriter, ExtractiveWriter  # noqa: E402
from .core import Assistant  # noqa: E402
from .errors import (  # noqa: E402
    AssistantError,
    CorpusError,
    IndexStateError,
    IndexWriteError,
    ModelNotFoundError,
    QuestionError,
)
from .records import Answer, Citation, Passage, Turn  # noqa: E402
from .settings import Settings  # noqa: E402

__all__ = [
    "Answer",
    "AnswerWriter",
    "Assistant",
    "AssistantError",
    "Citation",
    "CorpusError",
    "ExtractiveWriter",
    "IndexStateError",
    "IndexWriteError",
    "ModelNotFoundError",
    "Passage",
    "QuestionError",
    "Settings",
    "Turn",
]
