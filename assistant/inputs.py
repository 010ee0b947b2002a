"""What callers hand the assistant, checked once: the same clear error through Python and through HTTP."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from .errors import InputError, QuestionError
from .records import ROLES, Turn

HISTORY_SHAPE = 'history items must be Turn(role, content) or {"role": "user" or "assistant", "content": text}'


def question(value: Any) -> str:
    """The question, which must be text."""
    if not isinstance(value, str):
        raise QuestionError(f"a question is a string, not {type(value).__name__}")
    return value


def positive_k(value: Any, name: str = "k") -> int:
    """How many passages (or, as `name` says, sentences): a whole number of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"{name} must be a positive integer, not {value!r}")
    return value


def one_source(value: Any) -> str | None:
    """One article's file name, or None."""
    if value is not None and not isinstance(value, str):
        raise InputError(f"source is one article's file name (a string), not {type(value).__name__}")
    return value


def turns(history: Any) -> list[Turn]:
    """Conversation turns, oldest first, from Turn objects or {"role", "content"} mappings."""
    if history is None:
        return []
    if isinstance(history, (str, bytes, Mapping)) or not isinstance(history, Iterable):
        raise InputError(HISTORY_SHAPE)
    out = []
    for number, item in enumerate(history, start=1):
        if isinstance(item, Turn):
            out.append(item)
            continue
        role, content = (item.get("role"), item.get("content")) if isinstance(item, Mapping) else (None, None)
        if role not in ROLES or not isinstance(content, str):
            raise InputError(f"{HISTORY_SHAPE}; item {number} is {_shown(item)}")
        out.append(Turn(role, content))
    return out


def _shown(item: Any, most: int = 60) -> str:
    """A wrong input as it was given, cut short."""
    text = repr(item)
    return text if len(text) <= most else text[: most - 1] + "…"


def article_filter(value: Any, known: Collection[str]) -> tuple[list[str] | None, list[str]]:
    """The articles to search (None: all, as for an empty list: no article chosen is no filter, as in the
    chat) and what the user should be told about the filter.

    Unknown names are left out with a notice; a filter naming no indexed article is an error, not a
    silent search of everything.
    """
    if value is None:
        return None, []
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InputError("sources must be a list of article file names")
    names = list(value)
    if not names:
        return None, []
    if not all(isinstance(n, str) for n in names):
        raise InputError("sources must be a list of article file names")
    named = [in_folder(n, known) for n in names]  # "gpgv.1.gz" for the one "man/gpgv.1.gz"
    chosen = [n for n in named if n in known]
    unknown = [n for n in named if n not in known]
    if not chosen:
        raise InputError(f"none of the articles named is indexed: {', '.join(unknown[:5])}")
    notices = [f"Not indexed, so not searched: {', '.join(unknown[:5])}."] if unknown else []
    return chosen, notices


def searched_only(chosen: Collection[str], known: Collection[str]) -> str:
    """What a refusal under an article filter adds: not every article was searched."""
    were = "was" if len(chosen) == 1 else "were"
    return f"Only {len(chosen)} of the {len(known)} articles {were} searched."


def in_folder(name: str, known: Collection[str]) -> str:
    """`name` as indexed: itself, or the one article in a sub-folder whose file name it is (an InputError
    when several are: which one is meant is the user's to say)."""
    if name in known or "/" in name:
        return name
    matches = sorted(k for k in known if k.endswith("/" + name))
    if len(matches) > 1:
        listed = ", ".join(matches[:5]) + (f" and {len(matches) - 5} more" if len(matches) > 5 else "")
        raise InputError(f"{name} names {len(matches)} articles: {listed}; give its folder too")
    return matches[0] if matches else name
