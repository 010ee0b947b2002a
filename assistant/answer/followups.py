"""Follow-up questions without an LLM: fill pronouns and ellipsis from the conversation so far."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence

from ..patterns import MARKER_RE, YEAR
from ..records import Turn
from ..store.lexical import analyse

_ANAPHORA = re.compile(
    r"\b(?:it|its|it's|that|this|these|those|they|them|their|he|him|his|she|her|there|then|"
    r"the same|such|former|latter|the year before|the previous year|the year after|later|earlier)\b",
    re.IGNORECASE,
)
_ELLIPSIS_START = re.compile(r"^\s*(?:and|but|also|so|what about|how about|and what about|what of|or)\b", re.IGNORECASE)
SHORT_QUESTION_TERMS = 3
_MARKERS = re.compile(r"\s*" + MARKER_RE.pattern)
_POSSESSIVE = re.compile(r"['’]s\b")


_NAME = re.compile(r"(?<![.?!:]\s)(?<!^)\b[A-Z][\w’'-]+")  # capitalised, not for opening the sentence


# A word used by at most this share of the articles names a subject of its own ("sourdough", "functools"),
# not a generic one ("name", "prize", "occasion" in biographies) that needs the conversation to point somewhere.
SPECIFIC_SHARE = 0.5


def is_follow_up(
    question: str,
    known: Collection[str] | None = None,
    said: Collection[str] = (),
    share: Callable[[str], float] | None = None,
) -> bool:
    """Does the question lean on earlier turns?

    It does when it points back ("that", "they", "And in 2017?"), or when it is too short to stand
    alone ("What's the minister's name?") and names nothing of its own. A short question with a
    name or a year in it ("What is the Suez Canal?") stands alone. So does one of two or three
    content words that picks up nothing already `said` in the conversation and either uses a word
    the articles (`known`, their vocabulary) never do ("How do I bake bread?" is a new question,
    not one about the last answer) or a word few of them use (`share`: the share of the articles
    using a term), which names a subject of its own: "What does functools.lru_cache do?" after a
    question about JSON is about functools, not about JSON.
    """
    if _ELLIPSIS_START.search(question) or _ANAPHORA.search(question):
        return True
    terms = analyse(_POSSESSIVE.sub("", question))  # "What's" is no content word
    if len(terms) > SHORT_QUESTION_TERMS or _NAME.search(question.strip()) or YEAR.search(question):
        return False
    if known is None or len(terms) <= 1:  # "What was the occasion?" has nothing else to stand on
        return True
    if any(t in said for t in terms):
        return True
    if not all(t in known for t in terms):
        return False
    return share is None or not any(share(t) <= SPECIFIC_SHARE for t in terms)


def resolve(
    question: str,
    history: Sequence[Turn],
    known: Collection[str] | None = None,
    share: Callable[[str], float] | None = None,
) -> str:
    """The question to retrieve with: unchanged when it stands alone, else joined with its context.

    The context is the user's earlier questions back to the last one that stood alone, plus the
    answer given to the latest of them, so "What share was that?" after "How much trade was there
    in 2007?" retrieves passages about trade in 2007.
    """
    users = [t.content for t in history if t.role == "user" and t.content.strip()]
    last_answer = next((t.content for t in reversed(history) if t.role == "assistant"), "")
    answer_terms = " ".join(_MARKERS.sub("", last_answer).split()[:40])
    said = set(analyse(_POSSESSIVE.sub("", " ".join([*users, answer_terms]))))
    if not users or not is_follow_up(question, known, said, share):
        return question
    context: list[str] = []
    for earlier in reversed(users):
        context.insert(0, earlier)
        if not is_follow_up(earlier, known, said, share):
            break
    return " ".join([question, *context, answer_terms]).strip()


NO_ONE_NAMED = (
    "The question says “{pronoun}” but names no one, and nothing was asked before it: please ask again with the name."
)
_PERSON = re.compile(r"\b(he|she|him|her|his)\b", re.IGNORECASE)
# A question asking who may call the one it asks for "he": "Which physicist has a rule named after him?"
_ASKS_WHO = re.compile(r"^\W*(?:and\s+)?(?:who|whom|whose|which)\b", re.IGNORECASE)


def unresolved_person(question: str, history: Sequence[Turn]) -> str | None:
    """The pronoun of a question that points at someone it never names, asked with nothing before it
    ("What did he tell them?" as a conversation's first question): there is no one it can mean, and an
    answer about whoever the articles name most would be a guess. None when the question names someone,
    asks who, or follows earlier turns."""
    if any(t.content.strip() for t in history) or _ASKS_WHO.search(question) or _NAME.search(question.strip()):
        return None
    found = _PERSON.search(question)
    return found.group(1).lower() if found else None
