"""Extractive answers: the best-supported whole sentences of the retrieved passages, with [n] citations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from ..ingest.sentences import sentence_spans
from ..patterns import MARKER, WRITTEN_MONTH, YEAR
from ..records import Answer, Citation, Passage
from ..store.lexical import analyse
from .evidence import REFERENCE, Candidate, Evidence
from .quantities import changes, counted_words, measures, years
from .refusal import decide
from .scoring import SENTENCE_FEATURES, models, writer_constants

NO_ANSWER = "The articles do not cover this."
CLOSEST_MATCHES = "Closest matches:"
SOURCES_DIFFER = "The sources give different figures:"
DATES_DIFFER = "The sources give different dates:"
# A disagreeing sentence must name this share of the question's terms that the best sentence names.
SAME_THING = 2 / 3


def _fitted(name: str, default: float) -> float:
    """A writer constant as `assistant fit` chose it on the tune splits (the default before it)."""
    return float(writer_constants().get(name, default))


def _answer_threshold() -> float:
    """The score above which a sentence most often holds the answer (chosen on tune by `assistant fit`)."""
    model = models().get("sentence")
    return model.threshold if model is not None else 0.42


class AnswerWriter(Protocol):
    """Writes an answer from the evidence gathered for a question."""

    def write(self, evidence: Evidence) -> Answer: ...


@dataclass(frozen=True)
class _Part:
    candidate: Candidate
    text: str  # what the answer shows: the whole sentence (never a cut of it)


@dataclass
class ExtractiveWriter:
    """Answers with the whole sentences that best support it, each with its [n]; never a pasted chunk.

    Whether to answer at all is refusal.decide()'s call. The constants below are fitted on the tune
    splits by `assistant fit` (assistant/answer/weights.json); the defaults hold before it.
    """

    max_words: int = 60
    max_words_long: int = 100  # list and why/how answers
    second_ratio: float = field(default_factory=lambda: _fitted("second_ratio", 0.85))  # a further sentence's score
    # A disagreeing sentence must itself be a likely answer: the sentence model's fitted threshold.
    min_score: float = field(default_factory=_answer_threshold)
    min_new_weight: float = field(default_factory=lambda: _fitted("min_new_weight", 2.0))  # idf of new terms
    min_new_weight_long: float = 1.0  # the same for each further sentence of a list or why/how answer

    def write(self, evidence: Evidence) -> Answer:
        if not decide(evidence).answer:  # the one refusal decision (refusal.py)
            return refusal(evidence)
        cands = evidence.candidates
        plan = evidence.plan
        terms = set(plan.terms)
        long_form = plan.shape in ("list", "reason")
        budget = self.max_words_long if long_form else self.max_words
        best = cands[0]
        parts = [_Part(best, best.text)]
        conflict = self._conflicting(evidence, best)
        dated = conflict is None and plan.kind == "date"
        if dated:
            conflict = self._conflicting(evidence, best, _dated)
        if conflict is not None:
            parts.append(_Part(conflict, conflict.text))
            return compose(evidence, parts, prefix=DATES_DIFFER if dated else SOURCES_DIFFER)
        covered = set(analyse(best.text))
        enough = 3 if long_form else 2
        for cand in cands[1:]:
            if len(parts) >= enough or cand.score < self.second_ratio * best.score:
                break
            # A further sentence must answer a part of the question the ones before did not.
            new = sum(evidence.weights.get(t, 1.0) for t in (terms - covered) & set(analyse(cand.text)))
            if new < (self.min_new_weight_long if long_form else self.min_new_weight):
                continue
            if not long_form and best.cue >= 1 and best.overlap >= 0.6:
                continue  # the best sentence answers it squarely
            if sum(len(p.text.split()) for p in parts) + len(cand.text.split()) > budget:
                continue
            parts.append(_Part(cand, cand.text))
            covered |= set(analyse(cand.text))
        return compose(evidence, parts)

    def _conflicting(
        self, evidence: Evidence, best: Candidate, dates: Callable[[str], set[str]] | None = None
    ) -> Candidate | None:
        """A strong sentence from another article giving a different figure for the same thing.

        Same thing: the same kind of figure (money, share, count), the same years if any are named,
        and as close a match to the question as the best sentence. With `dates`, a different date
        instead: none of the years, months or days of the one in the other.
        """
        if dates is not None:
            our_dates = dates(best.text)

            def other_date(cand: Candidate) -> bool:
                theirs = dates(cand.text)
                return bool(theirs) and our_dates.isdisjoint(theirs)

            return self._disagreeing(evidence, best, other_date) if our_dates else None
        ours = _tagged(best.text)
        if not ours:
            return None

        def differs(cand: Candidate) -> bool:
            theirs = _tagged(cand.text)
            kinds = {k for _, k in ours} & {k for _, k in theirs}
            if "n" in kinds and not _same_things_counted(best.text, cand.text):
                kinds.discard("n")  # "20 documents" and "two leaders" do not disagree
            same_kind = {q for q in ours if q[1] in kinds}, {q for q in theirs if q[1] in kinds}
            periods = years(best.text), years(cand.text)
            return bool(
                kinds
                and same_kind[0].isdisjoint(same_kind[1])
                and (not periods[0] or not periods[1] or periods[0] & periods[1])
            )

        return self._disagreeing(evidence, best, differs)

    def _disagreeing(
        self, evidence: Evidence, best: Candidate, differs: Callable[[Candidate], bool]
    ) -> Candidate | None:
        """The first likely answer from another article that `differs` about the same thing: it names most
        of the question's terms that `best` names, what the question names, and the kind of answer asked."""
        source = evidence.passages[best.passage].source
        named = evidence.plan.terms & set(analyse(best.text))
        for cand in evidence.candidates[1:]:
            if cand.score < self.min_score:
                break
            if evidence.passages[cand.passage].source == source or cand.cue < 1:
                continue
            if evidence.plan.names and _names(cand) < _names(best):
                continue  # about something else than what the best sentence names ("he" in another biography)
            if len(named & set(analyse(cand.text))) >= SAME_THING * len(named) and differs(cand):
                return cand
        return None


def _dated(text: str) -> set[str]:
    """The years and months a sentence gives, leaving out those of a source reference "(… May 14, 2025)"."""
    text = REFERENCE.sub("", text)
    return set(YEAR.findall(text)) | set(WRITTEN_MONTH.findall(text))


def _names(cand: Candidate) -> float:
    """How much of what the question names the sentence (or the one before, or its title) names."""
    return cand.features[_NAMES] if cand.features else 0.0


_NAMES = SENTENCE_FEATURES.index("names")


def _tagged(text: str) -> set[tuple[float, str]]:
    """Figures with their kind, a change ("rose by 20.7%") kept apart from a level ("7.9 percent of")."""
    moved = changes(text)
    return {(value, kind + ("+" if (value, kind) in moved else "")) for value, kind in measures(text)}


def _same_things_counted(a: str, b: str) -> bool:
    return bool({t for w in counted_words(a) for t in analyse(w)} & {t for w in counted_words(b) for t in analyse(w)})


def compose(evidence: Evidence, parts: list[_Part], prefix: str = "") -> Answer:
    """Number the parts' passages [1], [2], … in order of use and build the Answer."""
    citations: list[Citation] = []
    lines: list[str] = []
    for part in parts:
        p = evidence.passages[part.candidate.passage]
        marker = len(citations) + 1
        c = part.candidate
        citations.append(Citation(marker, p.source, p.title, p.text, p.start, p.end, c.start, c.end))
        lines.append(f"{part.text} {MARKER.format(n=marker)}")
    text = " ".join(lines)
    return Answer(f"{prefix} {text}".strip(), False, citations, evidence.passages, evidence.question)


def refusal(evidence: Evidence, closest: int = 3) -> Answer:
    """Say plainly that the articles do not cover it, and offer the closest passages."""
    citations: list[Citation] = []
    for p in evidence.passages[:closest]:
        best = next((c for c in evidence.candidates if evidence.passages[c.passage] is p), None)
        span = (best.start, best.end) if best else _first_sentence(p)
        citations.append(Citation(len(citations) + 1, p.source, p.title, p.text, p.start, p.end, *span))
    lines = [NO_ANSWER]
    if citations:
        lines.append(CLOSEST_MATCHES)
        lines += [f"- {c.title}: “{c.sentence}” {MARKER.format(n=c.marker)}" for c in citations]
    return Answer("\n".join(lines), True, citations, evidence.passages, evidence.question)


def _first_sentence(p: Passage) -> tuple[int, int]:
    spans = sentence_spans(p.text)
    return spans[0] if spans else (0, len(p.text))
