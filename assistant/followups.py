"""Follow-up questions without an LLM: fill pronouns and ellipsis from the conversation so far."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from .lexical import analyse
from .quantities import NUMBER_WORDS, YEAR
from .records import Turn

_ANAPHORA = re.compile(
    r"\b(?:it|its|it's|that|this|these|those|they|them|their|he|him|his|she|her|there|then|"
    r"the same|such|former|latter|the year before|the previous year|the year after|later|earlier)\b",
    re.IGNORECASE,
)
_ELLIPSIS_START = re.compile(r"^\s*(?:and|but|also|so|what about|how about|and what about|what of|or)\b", re.IGNORECASE)
SHORT_QUESTION_TERMS = 3
_MARKERS = re.compile(r"\s*\[\d+\]")
_POSSESSIVE = re.compile(r"['’]s\b")


_NAME = re.compile(r"(?<![.?!:]\s)(?<!^)\b[A-Z][\w’'-]+")  # capitalised, not for opening the sentence


def is_follow_up(question: str, known: Collection[str] | None = None, said: Collection[str] = ()) -> bool:
    """Does the question lean on earlier turns?

    It does when it points back ("that", "they", "And in 2017?"), or when it is too short to stand
    alone ("What's the minister's name?") and names nothing of its own. A short question with a
    name or a year in it ("What is the Suez Canal?") stands alone; so does one of two or three
    content words that picks up nothing already `said` in the conversation and uses a word the
    articles (`known`, their vocabulary) never do: "How do I bake bread?" is a new question, not
    one about the last answer.
    """
    if _ELLIPSIS_START.search(question) or _ANAPHORA.search(question):
        return True
    terms = analyse(_POSSESSIVE.sub("", question))  # "What's" is no content word
    if len(terms) > SHORT_QUESTION_TERMS or _NAME.search(question.strip()) or YEAR.search(question):
        return False
    if known is None or len(terms) <= 1:  # "What was the occasion?" has nothing else to stand on
        return True
    return any(t in said for t in terms) or all(t in known for t in terms)


def resolve(question: str, history: Sequence[Turn], known: Collection[str] | None = None) -> str:
    """The question to retrieve with: unchanged when it stands alone, else joined with its context.

    The context is the user's earlier questions back to the last one that stood alone, plus the
    answer given to the latest of them, so "What share was that?" after "How much trade was there
    in 2007?" retrieves passages about trade in 2007.
    """
    users = [t.content for t in history if t.role == "user" and t.content.strip()]
    last_answer = next((t.content for t in reversed(history) if t.role == "assistant"), "")
    answer_terms = " ".join(_MARKERS.sub("", last_answer).split()[:40])
    said = set(analyse(_POSSESSIVE.sub("", " ".join([*users, answer_terms]))))
    if not users or not is_follow_up(question, known, said):
        return question
    context: list[str] = []
    for earlier in reversed(users):
        context.insert(0, earlier)
        if not is_follow_up(earlier, known, said):
            break
    return " ".join([question, *context, answer_terms]).strip()


_SHIFT = re.compile(
    r"\b(?:(?P<n>\d+|" + "|".join(NUMBER_WORDS) + r"|a) years? (?P<dir>later|after|afterwards|earlier|before|ago)"
    r"|the (?P<dir2>following|next|previous|preceding) year|the year (?P<dir3>before|after))\b",
    re.IGNORECASE,
)


def _shift(question: str) -> int | None:
    """How many years "ten years later" / "the year before" moves, or None."""
    m = _SHIFT.search(question)
    if not m:
        return None
    if m.group("n"):
        word = m.group("n").lower()
        n = 1 if word == "a" else int(word) if word.isdigit() else NUMBER_WORDS[word]
        return -n if m.group("dir").lower() in ("earlier", "before", "ago") else n
    direction = (m.group("dir2") or m.group("dir3")).lower()
    return -1 if direction in ("previous", "preceding", "before") else 1


def rewrite(question: str, history: Sequence[Turn]) -> str | None:
    """A follow-up that only changes the year, as the earlier question with the new year.

    "And ten years later?" after "How much trade was there in 2007?" becomes "How much trade was
    there in 2017?"; so does "And in 2017?". None when the question is not of that kind.
    """
    users = [t.content for t in history if t.role == "user" and t.content.strip()]
    earlier = next((q for q in reversed(users) if len(set(YEAR.findall(q))) == 1), None)
    if earlier is None:
        return None
    (old,) = set(YEAR.findall(earlier))
    new_years = set(YEAR.findall(question))
    shift = _shift(question)
    rest = [t for t in analyse(_SHIFT.sub(" ", YEAR.sub(" ", question))) if not t.isdigit()]
    if len(rest) > 1:
        return None  # more than "and"/"what about": a new question, not the same one for another year
    if len(new_years) == 1:
        (year,) = new_years
    elif shift is not None and not new_years:
        year = str(int(old) + shift)
    else:
        return None
    return re.sub(rf"\b{old}\b", year, earlier)
