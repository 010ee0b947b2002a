"""Sentence-level re-scoring of retrieved passages: which sentences answer the question."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from ..ingest.sentences import is_statement
from ..patterns import FULL_MONTH, MARKER_PATTERN, MONTH_NAMES, YEAR, YEAR_PATTERN
from ..records import Passage
from ..store.lexical import analyse
from ..store.lexical import terms as term_set
from ..store.protocol import IndexStore
from .plan import FIGURE, Plan
from .quantities import changes, has_date, measures
from .scoring import SENTENCE_FEATURES, Logistic, length_feature, models, sentence_rows

_DAY_DATE = re.compile(rf"\b{FULL_MONTH} \d{{1,2}}\b|\b\d{{1,2}} {FULL_MONTH}\b|\b\d{{4}}-\d\d-\d\d\b")
_PLACED = re.compile(r"\b(?:in|at|near|to|from)\s+(?:the\s+)?([A-Z][\w’'-]+)")
# "What share of …": a level ("7.9 percent of"), not a change ("rose by 20.7%").
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


_REF_MARK_START = re.compile(rf"(?:{MARKER_PATTERN}\s*)+")
_REF_MARK_END = re.compile(rf"(?:\s*{MARKER_PATTERN})+$")


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
    features: tuple[float, ...] = ()  # scoring.SENTENCE_FEATURES, what `score` was computed from


# A source reference in brackets, "(see Harbour Review, May 14, 2021)": its date is not the sentence's fact.
REFERENCE = re.compile(rf"\([^()]*\b{YEAR_PATTERN}\)")


def answer_cue(plan: Plan, sentence: str) -> float:
    """1.0 when the sentence has the kind of thing the question asks for; 0.5 when nothing is asked."""
    sentence = REFERENCE.sub("", sentence)
    kind = plan.kind
    if kind == "money":
        return float(any(kind == "$" for _, kind in measures(sentence)))
    if kind == "share":
        shares = {q for q in measures(sentence) if q[1] == "%"}
        if shares - changes(sentence):
            return 1.0
        return 0.5 if shares or measures(sentence) else 0.0
    if kind == "date":
        if plan.day:  # "on what date", "when exactly": a day, not just a year
            if _DAY_DATE.search(sentence):  # a full date beats a day whose year is left to the reader
                return 1.0 if YEAR.search(sentence) else 0.75
            return 0.5 * has_date(sentence)
        return float(has_date(sentence))
    if kind == "number":
        return float(bool(measures(sentence)))
    if kind == "reason":
        return 1.0 if _REASON.search(sentence) else 0.5
    if kind in ("name", "place"):
        asked = plan.asked_names
        names = {w.lower() for w in _CAPITALISED.findall(sentence[1:])} - asked
        if kind == "place" and names:
            placed = {w.lower() for w in _PLACED.findall(sentence)} - asked - _MONTHS
            return 1.0 if placed else 0.5
        return float(bool(names))
    if plan.shape == "list":
        return 1.0 if _enumerates(plan, sentence) else 0.5
    return 0.5


# A run of short items, "peace, development, equality, justice and freedom" or "A, B, C, etc.".
_ITEM = r"[\w’'“”\"-]+(?: [\w’'“”\"-]+){0,4}"
_LIST_RUN = re.compile(rf"{_ITEM}(?:, {_ITEM})+(?:,? (?:and|or) {_ITEM}|, etc\b)")
_ITEM_BREAK = re.compile(r",\s+(?:and\s+|or\s+)?|\s+(?:and|or)\s+")


def enumerated(sentence: str) -> int:
    """How many items the sentence's longest list names (0 when it lists nothing)."""
    runs = (_ITEM_BREAK.split(m.group(0)) for m in _LIST_RUN.finditer(sentence))
    return max((sum(item.strip() not in ("", "etc") for item in run) for run in runs), default=0)


def _enumerates(plan: Plan, sentence: str) -> bool:
    """Does the sentence list things: several items, or two of the kind the question names ("A and B corridors")?"""
    if _ENUMERATION.search(sentence):
        return True
    if not plan.listed:
        return False
    noun = re.escape(plan.listed[:-1])
    return bool(re.search(rf"\b[\w-]+ and [\w-]+(?: [\w-]+)? {noun}", sentence, re.I))


_MONTHS = {m.lower() for m in MONTH_NAMES}


def _sentence_model() -> Logistic | None:
    return models().get("sentence")


def collect(
    plan: Plan,
    query_vector: np.ndarray,
    passages: list[Passage],
    data: IndexStore,
    max_passages: int = 8,
    reranker: Reranker | None = None,
) -> list[Candidate]:
    """Every sentence of the top passages, scored and sorted best first; each sentence appears once.

    Words the conversation adds to the question (`plan.context`) count at a third of the weight.
    """
    question = plan.question
    terms = set(plan.terms)
    context_terms = set(analyse(plan.context)) - terms
    idf = data.lexical.idf(terms | context_terms)
    for t in idf:
        if t[0].isdigit():
            idf[t] *= 2  # a figure the question names ("in 2024") pins down the sentence
    total = sum(idf[t] for t in terms) + sum(idf[t] for t in context_terms) / 3 or 1.0
    chunk_rows = data.chunk_rows

    names = set(plan.names)
    name_weight = sum(idf[t] for t in names)
    predicate_weight = sum(idf[t] for t in terms - names)
    figures, counted, role = plan.figures, plan.counted, plan.role
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
            # An article's own reference marks ("[1] BRICS is …", "… in 2009.[4]") would read as our citations.
            if lead := _REF_MARK_START.match(passage.text, a, b):
                a = lead.end()
            if tail := _REF_MARK_END.search(passage.text, a, b):
                b = tail.start()
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

    top_score = passages[0].score if passages and passages[0].score > 0 else 1.0
    out: list[Candidate] = []
    described: list[dict[str, float]] = []
    for (i, a, b, text, row), sim in zip(found, similarities, strict=True):
        words = term_set(text)
        overlap = (sum(idf[t] for t in terms & words) + sum(idf[t] for t in context_terms & words) / 3) / total
        cue = answer_cue(plan, text)
        # "This made China the 4th largest partner" takes its year from the sentence before.
        same_article = row and data.sentences[row - 1].source == data.sentences[row].source
        before = data.sentences[row - 1] if same_article else None
        passage = passages[i]
        article = data.articles.get(passage.source) if before is not None else None
        around = text + (" " + article.text[before.start : before.end] if before is not None and article else "")
        around_terms = term_set(around)
        complete = (
            figures <= set(FIGURE.findall(around))
            and (not counted or bool(counted & around_terms))
            and role <= words  # the office asked about is named by the answering sentence itself
        )
        described.append({
            "similarity": sim, "overlap": overlap, "cue": cue, "complete": float(complete),
            "rank": 1 / (1 + i), "passage_score": passage.score / top_score, "lead": float(not same_article),
            "length": length_feature(len(text.split())),
            # what the question says of its subject, and the names that say which subject
            "predicate": sum(idf[t] for t in (terms - names) & words) / predicate_weight if predicate_weight else 1.0,
            # in the sentence, the one before or the article's title ("It has an area of …" in "Lake Volta")
            "names": sum(idf[t] for t in names & (around_terms | term_set(passage.title))) / name_weight
            if name_weight
            else 1.0,
        })  # fmt: skip
        out.append(Candidate(i, a, b, text, sim, overlap, cue, 0.0, complete))
    best_sim, best_overlap = max(similarities), max(d["overlap"] for d in described)
    for d, c in zip(described, out, strict=True):
        d["similarity_gap"], d["overlap_gap"] = d["similarity"] - best_sim, d["overlap"] - best_overlap
        d["names_and_cue"], d["names_and_predicate"] = d["names"] * d["cue"], d["names"] * d["predicate"]
        d["asks"] = float(c.text.rstrip(" \"”’')").endswith("?"))
    model = _sentence_model()
    if model is not None:
        rows = sentence_rows(described)
        scores = [float(p) for p in model.probabilities(rows)]
    else:  # before the first `assistant fit`: the features' plain sum
        scores = [
            (0.55 * d["similarity"] + 0.35 * d["overlap"] + 0.2 * d["cue"] + 0.05 * d["rank"])
            * (1.0 if d["complete"] else 0.8)
            for d in described
        ]
    out = [
        replace(c, score=sc, features=tuple(d[n] for n in SENTENCE_FEATURES))
        for c, sc, d in zip(out, scores, described, strict=True)
    ]
    out.sort(key=lambda c: -c.score)
    return out


def rerank(
    plan: Plan, vector: np.ndarray, pool: list[Passage], data: IndexStore, k: int, reranker: Reranker | None
) -> list[Passage]:
    """The k passages of `pool` whose best sentence scores highest as an answer (ties: `pool`'s order)."""
    best: dict[int, float] = {}
    for c in collect(plan, vector, pool, data, max_passages=len(pool), reranker=reranker):
        best.setdefault(c.passage, c.score)
    order = sorted(range(len(pool)), key=lambda i: (-best.get(i, float("-inf")), i))
    return [pool[i] for i in order[:k]]


@dataclass(frozen=True)
class Evidence:
    """What an answer writer works from: the plan, the ranked passages and their scored sentences."""

    plan: Plan
    passages: list[Passage]
    candidates: list[Candidate]

    @property
    def question(self) -> str:
        return self.plan.question

    @property
    def unknown_terms(self) -> tuple[str, ...]:
        return self.plan.unknown

    @property
    def weights(self) -> dict[str, float]:
        return self.plan.weights
