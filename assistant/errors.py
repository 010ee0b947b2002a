"""The exceptions the assistant raises; each message says what to do next."""

from __future__ import annotations


class AssistantError(Exception):
    """Root of every error the assistant raises on purpose."""


class CorpusError(AssistantError):
    """The corpus folder is missing, empty, or holds nothing readable."""


class IndexStateError(AssistantError):
    """The index on disk cannot be used as it is."""


class GenerationGone(IndexStateError):
    """A later sync removed the index generation being read (a shared index re-indexed twice in a few
    seconds); the current one is opened for the next call."""


class ModelNotFoundError(AssistantError):
    """The embedding model's files are not on this machine."""


class QuestionError(AssistantError):
    """The question is empty or unusable."""


class UnsafeFolderError(AssistantError):
    """Writing the index there could overwrite or delete files the assistant did not write."""


class InputError(AssistantError):
    """An argument of the wrong type or value: k, history turns, an article filter."""


class IndexWriteError(AssistantError):
    """A new index could not be written (a read-only folder, a full disk); the previous one is untouched."""


class IndexReplaceError(IndexWriteError):
    """Indexing this corpus would remove most of what an existing index holds (a mistyped corpus folder?), and
    replacing it was not asked for (`replace=True`, `assistant index --replace`); nothing was changed. A command
    that only reads (ask, search, chat) answers from the index as it was, with a warning, as for any index
    that could not be written."""


class StoreUnavailable(AssistantError):
    """The database holding the index cannot be reached just now; asking again later may work."""
