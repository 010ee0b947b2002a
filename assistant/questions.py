"""A question as typed, made ready to answer: its text cleaned and cut to length, its script checked
against the articles'."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Sequence

from .errors import QuestionError
from .records import Turn

EMPTY_QUESTION = "Please ask a question."
OTHER_SCRIPT = (
    "The question is written in {script} script and the articles in {written}: please ask in the articles' language."
)
MAX_QUESTION_CHARS = 1000  # longer input is cut, with a notice: questions are not documents


def clean_question(text: str) -> str:
    """The question with whitespace, control characters and invalid Unicode tidied, at most
    MAX_QUESTION_CHARS long; QuestionError if nothing but punctuation is left."""
    return prepare_question(text)[0]


def prepare_question(text: str) -> tuple[str, list[str]]:
    """The cleaned question and what the user should be told about it (e.g. that it was cut)."""
    from .ingest.cleaning import normalise, strip_terminal

    text = (text or "").encode("utf-8", "replace").decode("utf-8")  # lone surrogates become "?"
    text = strip_terminal(text)  # terminal codes pasted along with the question, whole (CSI, OSC, C1)
    cleaned = " ".join(normalise(text).split())
    if all(unicodedata.category(ch)[0] in "PZ" for ch in cleaned):  # nothing, or only "?" or "...": no question
        raise QuestionError(EMPTY_QUESTION)
    notices = []
    if len(cleaned) > MAX_QUESTION_CHARS:
        cut = cleaned[:MAX_QUESTION_CHARS]
        cleaned = cut[: cut.rfind(" ")] if " " in cut else cut
        notices.append(f"Your question was {len(text):,} characters long; only its first {len(cleaned):,} were used.")
    return cleaned, notices


def _script_name(script: str) -> str:
    return {"CJK": "Chinese/Japanese (CJK)"}.get(script, script.title())


def foreign_script(question: str, scripts: Collection[str]) -> str | None:
    """The question's script when the articles are not written in it ("CYRILLIC"), else None."""
    from .ingest.cleaning import script_counts

    counts = script_counts(question)
    if not counts or not scripts:
        return None
    main = max(counts, key=lambda s: counts[s])
    return None if main in scripts else main


def other_script(script: str, scripts: Collection[str]) -> str:
    """What to tell someone whose question is in `script` while the articles are written in `scripts`."""
    written = " and ".join(sorted(_script_name(s) for s in scripts))
    return OTHER_SCRIPT.format(script=_script_name(script), written=written)


def not_searched(question: str, history: Sequence[Turn], scripts: Collection[str]) -> str | None:
    """The answer to a question answered without a search, else None: one in another script than the
    articles', and a conversation's first question about "he" that names no one ("What did he say?"):
    say so, don't guess."""
    from .answer.followups import NO_ONE_NAMED, unresolved_person
    from .answer.writer import NO_ANSWER

    script = foreign_script(question, scripts)
    if script is not None:
        return f"{NO_ANSWER} {other_script(script, scripts)}"
    pronoun = unresolved_person(question, history)
    return None if pronoun is None else NO_ONE_NAMED.format(pronoun=pronoun)
