"""The question plan: what a question asks, worked out once, before anything is retrieved.

A `Plan` records the answer type (a date, a figure, a name, a place, a reason), the shape of the
answer (plain, list, reason), the names, figures, office and counted thing the question names,
the articles it restricts itself to, and — for a follow-up — what retrieval searches with the
conversation it leans on. Retrieval, sentence scoring, refusal and the writer read the plan;
nothing downstream parses the question again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from ..records import Turn
from ..store.lexical import analyse
from . import details, followups, shapes

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from ..store.protocol import IndexStore

# "When" asks for a date where it opens the question ("When was …", "And when did …"), not where it joins
# a clause ("What happens when …") or asks for a circumstance ("When can …", "When is it safe …").
_WANTS_DATE = re.compile(
    r"^\W*(?:(?:and|so|but|then)\s+)?when\b(?!\s+(?:can|could|should|must|may|might|would|is it|are they|does|do)\b)"
    r"|\b(?:what (?:year|date|month|day)|which (?:year|date|month)|since when|the same (?:day|date|month|year))\b",
    re.I,
)
_WANTS_DAY = re.compile(r"\b(?:exact(?:ly)?|precise(?:ly)?|(?:what|which) (?:exact )?(?:date|day))\b", re.I)
_WANTS_NUMBER = re.compile(
    r"\b(?:how long ago|how (?:much|many|large|big|far|long)|what (?:share|percentage|proportion|amount|volume|"
    r"value|number|figure|level|size|capacity|sum)|by how|what per ?cent)\b",
    re.I,
)
_ORGS = (
    r"company|companies|firm|organi[sz]ations?|agency|agencies|channel|outlets?|media|broadcaster|network|newspaper|"
    r"bank|university|association|institution|ministry|corporation|countries|nations?|economy|economies"
)
_WANTS_NAME = re.compile(
    r"\b(?:who|whom|whose|which (?:person|leader|head of (?:state|government)|president|minister|official|country)|"
    r"(?:which|what) (?!(?:kind|sort|type)s? of\b)(?:[\w-]+ ){0,3}?(?:" + _ORGS + r")|"
    r"what (?:is|was|are|were) the names? of)\b",
    re.I,
)
# "In which city …", "Where …": a place name, best one placed by a preposition ("in Geneva").
_WANTS_PLACE = re.compile(
    r"\b(?:where|(?:which|what) (?:[\w-]+ )?(?:city|cities|town|capital|place|venue|region))\b", re.I
)
_WANTS_SHARE = re.compile(r"\b(?:what|which) (?:share|percentage|proportion|per ?cent(?:age)?)\b", re.I)
_WANTS_REASON = re.compile(
    r"^\s*why\b|\b(?:reasons?|what makes|how (?:does|do|did|could|can|would|will) .+ (?:help|benefit|affect|"
    r"change|complicate|hurt|shape)|what (?:does|do|did|would|could) .+ gain|dangers?|risks?|benefits?|advantages?)\b",
    re.I,
)
LIST_QUESTION = re.compile(
    r"\b(?:list|name (?:several|some|a few|the|two|three|all)|which (?:\w+ ){0,2}\w+s (?:are|were|did|do|have)|"
    r"what (?:are|were) the|several|examples?|areas|fields|sectors|kinds|types|which two|which three)\b",
    re.I,
)
# What a list question enumerates: "Which two transport corridors …" -> corridors.
_LISTED = re.compile(r"\b(?:which|what)\s+(?:[\w-]+\s+){0,3}?([a-z][\w-]*[a-rt-z]s)\b", re.I)
_CAPITALISED = re.compile(r"\b[A-Z][\w’'-]+")
_WANTS_MONEY = re.compile(r"\bhow much\b.*\b(?:cost|costs|worth|pay|paid|spend|spent|invest|invested|price|budget|"
                          r"fund|funding|value)\b|\bwhat (?:is|was) the (?:cost|price|value)\b", re.I)  # fmt: skip
# "How many direct flights …": the thing counted must be in the sentence that gives the count.
_COUNTED = re.compile(r"\bhow (?:many|much)\s+((?:[\w-]+\s+){0,2}[\w-]+)", re.I)
# "Who is China's ambassador …", "Which foreign minister hosted …": the office asked about must be named.
_ROLES = (
    r"minister|ambassador|envoy|president|premier|chancellor|spokes(?:man|woman|person)|governor|mayor|"
    r"chairman|chairwoman|chair|ceo|director|secretary|diplomat|consul|commander|general|king|queen|prince"
)
_ASKED_ROLE = re.compile(
    r"\b(?:who (?:is|was|are|were) (?:the )?(?:[\w’'-]+(?:’s|'s) )?|which )((?:[\w-]+ ){0,2}?(?:" + _ROLES + r"))\b",
    re.I,
)
# "according to the April 2025 report": the year dates the source, not the fact asked about.
_ATTRIBUTION = re.compile(
    r"\b(?:according to|per|in|from) (?:the |a |an |this |that )?(?:[\w’'-]+ ){0,4}?"
    r"(?:report|article|piece|analysis|story|study|survey|paper|commentary)\b",
    re.I,
)
FIGURE = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")  # not the 20 of "G20"
_WHY_QUESTION = re.compile(r"^\s*(?:why|how (?:does|do|did|could|can|has|have|will|would|is|are))\b", re.I)


def question_kind(question: str) -> str | None:
    """What the question asks for, decided by the interrogative that comes first.

    "Which TV channel interviewed him when he said …" asks for a name: the later "when" is a conjunction.
    Returns one of "money", "share", "date", "number", "reason", "place", "name", or None.
    """
    kinds = (
        ("money", _WANTS_MONEY),
        ("share", _WANTS_SHARE),
        ("date", _WANTS_DATE),
        ("number", _WANTS_NUMBER),
        ("reason", _WANTS_REASON),
        ("place", _WANTS_PLACE),
        ("name", _WANTS_NAME),
    )
    found = [(m.start(), order, kind) for order, (kind, pattern) in enumerate(kinds) if (m := pattern.search(question))]
    return min(found)[2] if found else None


def _role_terms(question: str) -> set[str]:
    """The words of the office a who/which question asks about ("foreign minister")."""
    match = _ASKED_ROLE.search(question)
    return set(analyse(match.group(1))) if match else set()


def _counted_terms(question: str) -> set[str]:
    """The content words of what a "how many/how much" question counts ("direct flights")."""
    match = _COUNTED.search(question)
    if not match:
        return set()
    return {t for t in analyse(match.group(1)) if not t[0].isdigit()} - _GENERIC_COUNTED


_GENERIC_COUNTED = set(analyse("time times money percent per cent more less larger bigger further"))


def name_terms(question: str) -> set[str]:
    """The terms of the capitalised words after the question's first word: the names it asks about."""
    words = question.split(maxsplit=1)
    return set(analyse(" ".join(_CAPITALISED.findall(words[1])))) if len(words) > 1 else set()


# Words that say where a claim comes from ("according to the report", "per the article", "in the author's view").
_SOURCE_WORDS = frozenset(
    analyse("according per article articles piece report analysis author authors view opinion story outlet source")
)


# Words that say how to answer ("List some …", "Name several", "Give examples").
_INSTRUCTION_WORDS = frozenset(analyse("list name names several some few give example examples mention"))


def term_weights(question: str, data: IndexStore) -> dict[str, float]:
    """The idf of each term of the question; terms that name the source (its publisher, "according to the
    report") or say how to answer ("list several") weigh nothing: they are not what the question is about."""
    owners, _ = data.attribution_terms
    source = _SOURCE_WORDS.union(_INSTRUCTION_WORDS, *owners.values())
    return {t: 0.0 if t in source else w for t, w in data.lexical.idf(set(analyse(question))).items()}


def unknown_terms(question: str, data: IndexStore) -> tuple[str, ...]:
    """Figures and names in the question that occur in no article and no article's metadata.

    Words that open a sentence ("List", "Name several") are capitalised for grammar, not names.
    """
    openers = {m.group(1) for m in re.finditer(r"(?:^|[.?!:]\s+)([A-Z][\w’'-]*)", question)}
    asked = [w for w in _CAPITALISED.findall(question) if w not in openers]
    asked += re.findall(r"\b\d[\d.,]*\d\b|\b\d\b", question)
    known = data.lexical.vocabulary
    meta = data.metadata_terms
    missing = []
    for word in asked:
        terms = analyse(word)
        if terms and all(t not in known and t not in meta for t in terms):
            missing.append(word)
    return tuple(missing)


def article_share(data: IndexStore, term: str) -> float:
    """The share of the articles whose text uses the analysed `term` (0 for a word none uses)."""
    return data.term_articles[term] / max(len(data.articles), 1)


def named_sources(question: str, data: IndexStore) -> list[str]:
    """The articles a question attributes itself to by publisher or author ("according to Reuters").

    A capitalised word of the question counts when every term of it belongs to the publisher or
    author of some articles, and the articles' texts do not use one of its terms more widely than that (so a
    publisher called "Asia Times" does not capture every question about Asia).
    """
    owners, in_texts = data.attribution_terms
    openers = {m.group(1) for m in re.finditer(r"(?:^|[.?!:]\s+)([A-Z][\w’'-]*)", question)}
    named: set[str] = set()
    for word in _CAPITALISED.findall(question):
        terms = analyse(word)
        if word in openers or not terms:
            continue
        hits = {s for s, t in owners.items() if all(term in t for term in terms)}
        if hits and len(hits) < len(data.articles) and any(in_texts[t] <= len(hits) for t in terms):
            named |= hits
    return sorted(named)


@dataclass(frozen=True)
class Plan:
    """What a question asks, decided once; retrieval runs for `query`."""

    question: str  # as asked (a follow-up keeps its own words)
    query: str  # what retrieval searches: the question, plus the conversation a leaning follow-up needs
    kind: str | None  # money, share, date, number, reason, place, name, or None
    day: bool  # a "when exactly" question: a full date, not a year
    shape: str  # plain, list, reason; or timeline, summary, mentions, differ, overview (whole articles)
    topic: str | None  # what a whole-article question is about ("the Suez Canal")
    terms: frozenset[str]
    names: frozenset[str]  # terms of the names the question asks about
    asked_names: frozenset[str]  # its capitalised words, lower-cased (a "who" answer names someone else)
    figures: frozenset[str]  # figures the question names, which the answer must give too
    counted: frozenset[str]  # what a "how many" question counts
    role: frozenset[str]  # the office a "who is the minister" question asks about
    listed: str | None  # what a list question enumerates ("corridors")
    sources: tuple[str, ...] | None  # articles the question is restricted to
    unknown: tuple[str, ...] = ()  # names or figures no article contains
    weights: dict[str, float] = field(default_factory=dict)  # idf of each term; 0 for words naming the source
    detail: str | None = None  # what it asks of the articles' cards: author, publisher, date, or which articles

    @property
    def context(self) -> str:
        """Words the conversation adds to the query; they count a third."""
        return self.query[len(self.question) :] if self.query.startswith(self.question) else ""


def make_plan(
    question: str,
    data: IndexStore | None = None,
    history: Sequence[Turn] = (),
    sources: Collection[str] | None = None,
) -> Plan:
    """The plan for `question` in its conversation, against the index's vocabulary and metadata
    (without an index: no article filter, unknown names or term weights)."""
    vocabulary = data.lexical.vocabulary if data is not None else None
    share = partial(article_share, data) if data is not None else None
    query = followups.resolve(question, history, vocabulary, share)
    if sources is None and data is not None:  # "according to <publisher>": that publisher's articles
        sources = named_sources(question, data) or None
    kind = question_kind(question)
    listed = _LISTED.search(question)
    is_list = bool(LIST_QUESTION.search(question))
    shape = "list" if is_list else "reason" if _WHY_QUESTION.search(question) else "plain"
    topic = None
    if (whole := shapes.whole_articles(question, data, sources)) is not None:
        shape, topic, sources = whole
    terms = frozenset(analyse(question))
    return Plan(
        question=question,
        query=query,
        kind=kind,
        day=kind == "date" and bool(_WANTS_DAY.search(question)),
        shape=shape,
        topic=topic,
        terms=terms,
        names=frozenset(name_terms(question)) & terms,
        asked_names=frozenset(w.lower() for w in _CAPITALISED.findall(question)),
        figures=frozenset(FIGURE.findall(_ATTRIBUTION.sub("", question))),
        counted=frozenset(_counted_terms(question)),
        role=frozenset(_role_terms(question)),
        listed=listed.group(1) if listed and is_list else None,
        sources=tuple(sorted(sources)) if sources is not None else None,
        unknown=unknown_terms(question, data) if data is not None else (),
        weights=term_weights(question, data) if data is not None else {},
        detail=details.asked(question),
    )
