"""Sentence-level re-scoring of retrieved passages: which sentences answer the question."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from .durations import DurationQuestion
from .lexical import analyse
from .lexical import terms as term_set
from .quantities import YEAR, changes, has_date, measures
from .records import Passage
from .store import IndexData
from .trends import ChangeQuestion, MoreQuestion

_WANTS_DATE = re.compile(
    r"\b(?:when|what (?:year|date|month|day)|which (?:year|date|month)|since when|how long ago|"
    r"the same (?:day|date|month|year))\b",
    re.I,
)
_WANTS_DAY = re.compile(r"\b(?:exact(?:ly)?|precise(?:ly)?|(?:what|which) (?:exact )?(?:date|day))\b", re.I)
_MONTH_NAMES = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_DAY_DATE = re.compile(rf"\b{_MONTH_NAMES} \d{{1,2}}\b|\b\d{{1,2}} {_MONTH_NAMES}\b|\b\d{{4}}-\d\d-\d\d\b")
_WANTS_NUMBER = re.compile(
    r"\b(?:how (?:much|many|large|big|far|long)|what (?:share|percentage|proportion|amount|volume|value|number|"
    r"figure|level|size|capacity|sum)|by how|what per ?cent)\b",
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
_PLACED = re.compile(r"\b(?:in|at|near|to|from)\s+(?:the\s+)?([A-Z][\w’'-]+)")
# "What share of …": a level ("7.9 percent of"), not a change ("rose by 20.7%").
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
# A sentence that enumerates: "A, B and C", "such as …", "ranging from A to B".
_ENUMERATION = re.compile(
    r"\b(?:[\w’'-]+ ){0,3}[\w’'-]+, (?:[\w’'-]+ ){0,3}[\w’'-]+,? (?:and|or) [\w’'-]+"
    r"|\b(?:such as|ranging from|both [\w-]+(?: [\w-]+)? and)\b"
)
# Words that state a cause, a purpose or an effect ("because", "allowing …", "in order to").
_REASON = re.compile(
    r"\b(?:because|due to|owing to|thanks to|as a result|result(?:s|ed)? in|in order to|so that|so as to|"
    r"since|given|allow(?:s|ed|ing)?|enabl(?:e|es|ed|ing)|help(?:s|ed|ing)?|lead(?:s|ing)? to|led to|"
    r"driven by|means|therefore|thus|hence|reason|aim(?:s|ed|ing)? to|seek(?:s|ing)? to|could|would|risk)\b",
    re.I,
)
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
_FIGURE = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")  # not the 20 of "G20"
MIN_WORDS = 4  # fragments do not answer questions
_SENTENCE_END = re.compile(r"[.!?…:;\"”’')\]]\s*$")
HEADING_WORDS = 12  # a shorter line without closing punctuation is a heading, not a statement


def is_statement(text: str) -> bool:
    """A sentence that can answer something: not a fragment, not a heading ("Strategic dimensions of …")."""
    words = len(text.split())
    return words >= MIN_WORDS and (words >= HEADING_WORDS or bool(_SENTENCE_END.search(text)))


class Reranker(Protocol):
    """Scores (question, sentence) pairs, higher is more relevant; a cross-encoder fits here."""

    def score(self, question: str, sentences: list[str]) -> list[float]: ...


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage, with the evidence that it answers the question."""

    passage: int  # index into the passages list
    start: int  # offsets inside the passage text
    end: int
    text: str
    similarity: float  # cosine between question and sentence embeddings (or a reranker's score)
    overlap: float  # idf-weighted share of the question's terms found in the sentence
    cue: float  # 1 when the sentence holds what the question asks for (a date, a figure, a name)
    score: float
    complete: bool = True  # every figure the question names is in the sentence or the one before
    # The passage widened back to the sentence before, when this sentence opens the passage: what a
    # citation shows when that sentence is needed ("the association's leadership" names it there).
    widened: Passage | None = None


@dataclass(frozen=True)
class Weights:
    """How the sentence features combine; chosen on the gold set (see the eval report)."""

    similarity: float = 0.55
    overlap: float = 0.35
    cue: float = 0.2
    rank: float = 0.05
    incomplete: float = 0.8  # score factor for a sentence missing a figure the question names


# A source reference in brackets, "(see Harbour Review, May 14, 2021)": its date is not the sentence's fact.
REFERENCE = re.compile(r"\([^()]*\b(?:1[5-9]\d\d|20\d\d)\)")


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


def answer_cue(question: str, sentence: str) -> float:
    """1.0 when the sentence has the kind of thing the question asks for; 0.5 when nothing is asked."""
    sentence = REFERENCE.sub("", sentence)
    kind = question_kind(question)
    if kind == "money":
        return float(any(kind == "$" for _, kind in measures(sentence)))
    if kind == "share":
        shares = {q for q in measures(sentence) if q[1] == "%"}
        if shares - changes(sentence):
            return 1.0
        return 0.5 if shares or measures(sentence) else 0.0
    if kind == "date":
        if _WANTS_DAY.search(question):  # "on what date", "when exactly": a day, not just a year
            if _DAY_DATE.search(sentence):  # a full date beats a day whose year is left to the reader
                return 1.0 if YEAR.search(sentence) else 0.75
            return 0.5 * has_date(sentence)
        return float(has_date(sentence))
    if kind == "number":
        return float(bool(measures(sentence)))
    if kind == "reason":
        return 1.0 if _REASON.search(sentence) else 0.5
    if kind in ("name", "place"):
        asked = {w.lower() for w in _CAPITALISED.findall(question)}
        names = {w.lower() for w in _CAPITALISED.findall(sentence[1:])} - asked
        if kind == "place" and names:
            placed = {w.lower() for w in _PLACED.findall(sentence)} - asked - _MONTHS
            return 1.0 if placed else 0.5
        return float(bool(names))
    if LIST_QUESTION.search(question):
        return 1.0 if _enumerates(question, sentence) else 0.5
    return 0.5


# A run of short items, "peace, development, equality, justice and freedom" or "A, B, C, etc.".
_ITEM = r"[\w’'“”\"-]+(?: [\w’'“”\"-]+){0,4}"
_LIST_RUN = re.compile(rf"{_ITEM}(?:, {_ITEM})+(?:,? (?:and|or) {_ITEM}|, etc\b)")
_ITEM_BREAK = re.compile(r",\s+(?:and\s+|or\s+)?|\s+(?:and|or)\s+")


def enumerated(sentence: str) -> int:
    """How many items the sentence's longest list names (0 when it lists nothing)."""
    runs = (_ITEM_BREAK.split(m.group(0)) for m in _LIST_RUN.finditer(sentence))
    return max((sum(item.strip() not in ("", "etc") for item in run) for run in runs), default=0)


def _enumerates(question: str, sentence: str) -> bool:
    """Does the sentence list things: several items, or two of the kind the question names ("A and B corridors")?"""
    if _ENUMERATION.search(sentence):
        return True
    listed = _LISTED.search(question)
    if not listed:
        return False
    noun = re.escape(listed.group(1)[:-1])
    return bool(re.search(rf"\b[\w-]+ and [\w-]+(?: [\w-]+)? {noun}", sentence, re.I))


_MONTHS = {m.lower() for m in _MONTH_NAMES.strip("(?:)").split("|")}


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


def collect(
    question: str,
    query_vector: np.ndarray,
    passages: list[Passage],
    data: IndexData,
    context: str = "",
    max_passages: int = 8,
    weights: Weights | None = None,
    reranker: Reranker | None = None,
) -> list[Candidate]:
    """Every sentence of the top passages, scored and sorted best first; each sentence appears once.

    `context` holds earlier turns of a conversation: its terms count, at a third of the weight.
    """
    weights = weights or Weights()
    terms = set(analyse(question))
    context_terms = set(analyse(context)) - terms
    idf = data.lexical.idf(terms | context_terms)
    for t in idf:
        if t[0].isdigit():
            idf[t] *= 2  # a figure the question names ("in 2024") pins down the sentence
    total = sum(idf[t] for t in terms) + sum(idf[t] for t in context_terms) / 3 or 1.0
    chunk_rows = {c.id: row for row, c in enumerate(data.chunks)}

    figures = set(_FIGURE.findall(_ATTRIBUTION.sub("", question)))
    counted = _counted_terms(question)
    role = _role_terms(question)
    seen: set[tuple[str, int]] = set()
    found: list[tuple[int, int, int, str, int]] = []  # passage, start, end, text, sentence row
    for i, passage in enumerate(passages[:max_passages]):
        chunk = data.chunks[chunk_rows[passage.chunk_id]] if passage.chunk_id in chunk_rows else None
        if chunk is None:
            continue
        for row in data.sentence_rows(chunk):
            sentence = data.sentences[row]
            key = (sentence.source, sentence.start)
            if key in seen:
                continue  # overlapping chunks share sentences; keep the better-ranked copy
            a, b = sentence.start - passage.start, min(sentence.end, passage.end) - passage.start
            text = passage.text[a:b]
            if not is_statement(text):
                continue
            seen.add(key)
            found.append((i, a, b, text, row))
    if not found:
        return []

    if reranker is not None:
        similarities = [float(s) for s in reranker.score(question, [f[3] for f in found])]
    else:
        assert data.sentence_vectors is not None
        vectors = np.asarray(data.sentence_vectors[[f[4] for f in found]], dtype=np.float32)
        similarities = [float(s) for s in vectors @ query_vector]

    out: list[Candidate] = []
    for (i, a, b, text, row), sim in zip(found, similarities, strict=True):
        words = term_set(text)
        overlap = (sum(idf[t] for t in terms & words) + sum(idf[t] for t in context_terms & words) / 3) / total
        cue = answer_cue(question, text)
        score = (weights.similarity * sim + weights.overlap * overlap + weights.cue * cue
                 + weights.rank / (1 + i))  # fmt: skip
        # "This made China the 4th largest partner" takes its year from the sentence before.
        before = (
            data.sentences[row - 1] if row and data.sentences[row - 1].source == data.sentences[row].source else None
        )
        passage = passages[i]
        article = data.articles.get(passage.source) if before is not None else None
        widened = None
        if before is not None and before.start < passage.start and article is not None:
            widened = replace(passage, start=before.start, text=article.text[before.start : passage.end])
        around = text + (" " + article.text[before.start : before.end] if before is not None and article else "")
        around_terms = term_set(around)
        complete = (
            figures <= set(_FIGURE.findall(around))
            and (not counted or bool(counted & around_terms))
            and role <= words  # the office asked about is named by the answering sentence itself
        )
        if not complete:
            score *= weights.incomplete
        out.append(Candidate(i, a, b, text, sim, overlap, cue, score, complete, widened))
    out.sort(key=lambda c: -c.score)
    return out


@dataclass(frozen=True)
class Evidence:
    """What an answer writer works from: the question, ranked passages and scored sentences."""

    question: str
    passages: list[Passage]
    candidates: list[Candidate]
    unknown_terms: tuple[str, ...] = ()  # names or figures in the question that no article contains
    # For "how many years between A and B": what A and B are, and the evidence gathered for each.
    duration: DurationQuestion | None = None
    events: tuple[Evidence, ...] = ()
    # For "how much did X grow between 2017 and 2024" or "how many more X than Y": the evidence
    # gathered for each of the two figures.
    change: ChangeQuestion | None = None
    comparison: MoreQuestion | None = None
    sides: tuple[Evidence, ...] = ()
    # "On what date …, and how many …?": the evidence gathered for each part on its own.
    parts: tuple[Evidence, ...] = ()
    # How much each of the question's terms says about its subject (idf; 0 for words naming the source).
    weights: dict[str, float] = field(default_factory=dict)


# Words that say where a claim comes from ("according to the report", "per the article", "in the author's view").
_SOURCE_WORDS = frozenset(
    analyse("according per article articles piece report analysis author authors view opinion story outlet source")
)


_SECOND_QUESTION = re.compile(
    r",?\s+and\s+((?:(?:in|on|at|by|for|from|to|with) )?(?:what|when|how|which|who|whom|where|why)\b.*)$", re.I
)


_ASKS = re.compile(r"^\W*(?:[\w-]+ ){0,2}?(?:what|when|how|which|who|whom|where|why)\b", re.I)


def question_parts(question: str) -> tuple[str, str] | None:
    """ "On what date did X arrive, and how many documents were signed?" as two questions; None for one.

    The second part must say something of its own (two content words besides where it comes from):
    "…, and in which fields?" leans on the first part and stays with it.
    """
    match = _SECOND_QUESTION.search(question)
    if not match or not _ASKS.match(question):
        return None
    first, second = question[: match.start()].strip(), match.group(1).strip()
    if len(set(analyse(second)) - _SOURCE_WORDS) < 2 or len(set(analyse(first)) - _SOURCE_WORDS) < 2:
        return None
    second = second[0].upper() + second[1:]
    return first.rstrip(",;") + "?", second if second.endswith("?") else second + "?"


# Words that say how to answer ("List some …", "Name several", "Give examples").
_INSTRUCTION_WORDS = frozenset(analyse("list name names several some few give example examples mention"))


def term_weights(question: str, data: IndexData) -> dict[str, float]:
    """The idf of each term of the question; terms that name the source (its publisher, "according to the
    report") or say how to answer ("list several") weigh nothing: they are not what the question is about."""
    owners, _ = data.attribution_terms
    source = _SOURCE_WORDS.union(_INSTRUCTION_WORDS, *owners.values())
    return {t: 0.0 if t in source else w for t, w in data.lexical.idf(set(analyse(question))).items()}


def unknown_terms(question: str, data: IndexData) -> tuple[str, ...]:
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


def named_sources(question: str, data: IndexData) -> list[str]:
    """The articles a question attributes itself to by publisher or author ("according to Reuters").

    A capitalised word of the question counts when every term of it belongs to the publisher or
    author of some articles, and the articles' texts do not use one of its terms more widely than that (so a
    publisher called "Eurasia Daily" does not capture every question about Eurasia).
    """
    owners, in_texts = data.attribution_terms
    openers = {m.group(1) for m in re.finditer(r"(?:^|[.?!:]\s+)([A-Z][\w’'-]*)", question)}
    named: set[str] = set()
    for word in _CAPITALISED.findall(question):
        terms = analyse(word)
        if word in openers or not terms:
            continue
        hits = {s for s, t in owners.items() if all(term in t for term in terms)}
        if hits and len(hits) < len(owners) and any(in_texts[t] <= len(hits) for t in terms):
            named |= hits
    return sorted(named)
