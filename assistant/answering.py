"""Extractive answers: the best-supported sentences of the retrieved passages, with [n] citations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from .lexical import analyse
from .records import Answer, Citation, Passage
from .sentences import sentence_spans

NO_ANSWER = "The articles do not cover this."
CLOSEST_MATCHES = "Closest matches:"
MARKER = "[{n}]"
MARKER_RE = re.compile(r"\[(\d+)\]")

_NUMBER = re.compile(r"\d")
_YEAR_OR_DATE = re.compile(
    r"\b(?:1[89]\d\d|20\d\d|January|February|March|April|May|June|July|August|September|October|"
    r"November|December)\b"
)
_NAME = re.compile(r"(?<!^)(?<![.!?] )\b[A-Z][a-z]+(?: [A-Z][a-z]+)*")


class AnswerWriter(Protocol):
    """Writes an answer to a question from ranked passages."""

    def write(self, question: str, passages: list[Passage]) -> Answer: ...


@dataclass(frozen=True)
class _Candidate:
    passage: int
    start: int
    end: int
    score: float


def _overlap(question: set[str], sentence: set[str]) -> float:
    """Share of the question's terms in the sentence; numbers and years count double.

    A figure the question names ("in 2024") pins down which of several similar sentences answers it.
    """
    if not question:
        return 0.0
    weight = {t: 2.0 if t[0].isdigit() else 1.0 for t in question}
    return sum(weight[t] for t in question & sentence) / sum(weight.values())


def _cue_bonus(question: str, sentence: str) -> float:
    """Answer-type cues: a 'when' question wants a date, 'how much' a number, 'who' a name."""
    q = question.lower()
    if re.search(r"\bwhen\b|\bwhat (?:year|date|month)\b|\bsince when\b", q):
        return 0.15 if _YEAR_OR_DATE.search(sentence) else 0.0
    if re.search(r"\bhow (?:much|many|large|big)\b|\bwhat (?:share|percentage|amount|volume)\b", q):
        return 0.15 if _NUMBER.search(sentence) else 0.0
    if re.search(r"\bwho\b|\bwhich (?:person|leader|organi[sz]ation|company)\b", q):
        return 0.1 if _NAME.search(sentence) else 0.0
    return 0.0


@dataclass
class ExtractiveWriter:
    """Picks the passages' sentences that best match the question; never pastes whole chunks."""

    min_similarity: float = 0.30
    min_overlap: float = 0.34
    max_sentences: int = 2
    passages_considered: int = 4

    def write(self, question: str, passages: list[Passage]) -> Answer:
        q_terms = set(analyse(question))
        candidates: list[_Candidate] = []
        for i, passage in enumerate(passages[: self.passages_considered]):
            for a, b in sentence_spans(passage.text):
                sentence = passage.text[a:b]
                if len(sentence.split()) < 4:
                    continue  # headings and fragments do not answer questions
                overlap = _overlap(q_terms, set(analyse(sentence)))
                score = overlap + 0.5 * (passage.dense_score or 0.0) + _cue_bonus(question, sentence) - 0.03 * i
                candidates.append(_Candidate(i, a, b, score))
        if not candidates or not self._supported(q_terms, passages, candidates):
            return self._refusal(question, passages)
        candidates.sort(key=lambda c: -c.score)
        chosen = [candidates[0]]
        for cand in candidates[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if cand.score >= 0.85 * chosen[0].score and cand.passage != chosen[0].passage:
                chosen.append(cand)
        return self._compose(question, passages, chosen)

    def _supported(self, q_terms: set[str], passages: list[Passage], candidates: list[_Candidate]) -> bool:
        best_similarity = max((p.dense_score or 0.0) for p in passages[: self.passages_considered])
        best = max(candidates, key=lambda c: c.score)
        sentence = passages[best.passage].text[best.start : best.end]
        overlap = _overlap(q_terms, set(analyse(sentence)))
        return best_similarity >= self.min_similarity and overlap >= self.min_overlap

    def _compose(self, question: str, passages: list[Passage], chosen: list[_Candidate]) -> Answer:
        citations: list[Citation] = []
        parts: list[str] = []
        for cand in chosen:
            p = passages[cand.passage]
            marker = len(citations) + 1
            citations.append(Citation(marker, p.source, p.title, p.text, p.start, p.end, cand.start, cand.end))
            parts.append(f"{p.text[cand.start : cand.end]} {MARKER.format(n=marker)}")
        return Answer(" ".join(parts), False, citations, passages, question)

    def _refusal(self, question: str, passages: list[Passage]) -> Answer:
        citations = [
            Citation(i + 1, p.source, p.title, p.text, p.start, p.end, *_first_sentence(p.text))
            for i, p in enumerate(passages[:3])
        ]
        lines = [NO_ANSWER]
        if citations:
            lines.append(CLOSEST_MATCHES)
            lines += [f"- {c.title} {MARKER.format(n=c.marker)}" for c in citations]
        return Answer("\n".join(lines), True, citations, passages, question)


def _first_sentence(text: str) -> tuple[int, int]:
    spans = sentence_spans(text)
    return spans[0] if spans else (0, len(text))
