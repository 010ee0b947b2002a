"""Extractive answers: the best-supported sentences of the retrieved passages, with [n] citations."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeVar

from . import durations, trends
from .evidence import REFERENCE, Candidate, Evidence, enumerated
from .lexical import analyse
from .quantities import MONTH, YEAR, changes, counted_words, measures, years
from .records import Answer, Citation, Passage
from .refusal import decide
from .scoring import WEIGHTS_FILE, load, load_writer
from .sentences import sentence_spans

NO_ANSWER = "The articles do not cover this."
CLOSEST_MATCHES = "Closest matches:"
SOURCES_DIFFER = "The sources give different figures:"
DATES_DIFFER = "The sources give different dates:"
COMPUTED = "About {gap}, counting from the dates the articles give:"
COMPUTED_FIRST = "Yes, by about {gap}, counting from the dates the articles give:"
COMPUTED_SECOND = "No, it came about {gap} later, counting from the dates the articles give:"
COMPUTED_CHANGE = "About {change}, computed from the figures the articles give:"
COMPUTED_MORE = "{figures}, computed from the figures the articles give:"
# Any computed answer's opening, before the cited sentences it is computed from.
COMPUTED_RE = re.compile(
    "^(?:"
    + "|".join(
        re.sub(r"\\\{\w+\\\}", ".+?", re.escape(t))
        for t in (COMPUTED, COMPUTED_FIRST, COMPUTED_SECOND, COMPUTED_CHANGE, COMPUTED_MORE)
    )
    + ")"
)
MARKER = "[{n}]"
MARKER_RE = re.compile(r"\[(\d+)\]")
ELLIPSIS = "…"


_T = TypeVar("_T")


def _fitted(name: str, default: float) -> float:
    """A writer constant as `assistant fit` chose it on the tune splits."""
    if not WEIGHTS_FILE.exists():
        return default
    return float(load_writer(WEIGHTS_FILE).get(name, default))


def _sentence_threshold(default: float) -> float:
    """The fitted score below which a sentence does not answer its question (computed answers, parts)."""
    model = load(WEIGHTS_FILE).get("sentence") if WEIGHTS_FILE.exists() else None
    return model.threshold if model is not None else default


class AnswerWriter(Protocol):
    """Writes an answer from the evidence gathered for a question."""

    def write(self, evidence: Evidence) -> Answer: ...


@dataclass(frozen=True)
class _Part:
    candidate: Candidate
    text: str  # what the answer shows: the whole sentence (never a cut of it)
    passage: Passage | None = None  # the candidate's passage when it is not one of the evidence's


@dataclass
class ExtractiveWriter:
    """Answers with the sentences that best support it, each with its [n]; never a pasted chunk.

    Thresholds are calibrated on the gold set's answerable and unanswerable items.
    """

    min_score: float = field(default_factory=lambda: _sentence_threshold(0.42))  # a sentence that answers
    max_words: int = 60
    max_words_long: int = 100
    # Fitted on the tune splits by `assistant fit` (assistant/weights.json), these defaults before it:
    second_ratio: float = field(default_factory=lambda: _fitted("second_ratio", 0.85))  # a further sentence's score
    conflict_ratio: float = field(default_factory=lambda: _fitted("conflict_ratio", 0.75))  # a disagreeing one's
    min_new_weight: float = field(default_factory=lambda: _fitted("min_new_weight", 2.0))  # idf of new terms
    min_new_weight_long: float = 1.0  # the same for each further sentence of a list or why/how answer
    full_list: int = 4  # a list question is answered by one sentence that names this many items

    def write(self, evidence: Evidence) -> Answer:
        cands = evidence.candidates
        if evidence.duration is not None:
            computed = self._duration(evidence)
            if computed is not None:
                return computed
        if evidence.change is not None:
            computed = self._change(evidence)
            if computed is not None:
                return computed
        if evidence.comparison is not None:
            computed = self._more(evidence)
            if computed is not None:
                return computed
        if evidence.parts:
            both = self._parts(evidence)
            if both is not None:
                return both
        if not decide(evidence).answer:  # the one refusal decision (refusal.py)
            return refusal(evidence)
        plan = evidence.plan
        terms = set(plan.terms)
        long_form = plan.shape in ("list", "reason")
        budget = self.max_words_long if long_form else self.max_words
        best = cands[0]
        parts = [_Part(best, best.text)]
        pointed = _antecedent(evidence, best)
        if pointed is not None and len(pointed[0].text.split()) + len(parts[0].text.split()) <= budget:
            # One citation for both: the highlight runs from the sentence pointed to through the answer.
            context, holder = pointed
            end = best.end + evidence.passages[best.passage].start - holder.start
            merged = replace(best, start=context.start, end=end, text=holder.text[context.start : end])
            parts[0] = _Part(merged, f"{context.text} {parts[0].text}", holder)

        conflict = self._conflicting(evidence, best)
        dated = conflict is None and plan.kind == "date"
        if dated:
            conflict = self._conflicting(evidence, best, _dated)
        if conflict is not None:
            parts.append(_Part(conflict, conflict.text))
            return compose(evidence, parts, prefix=DATES_DIFFER if dated else SOURCES_DIFFER)
        covered = set(analyse(best.text))
        other = self._other_alternative(evidence, best)
        if other is not None:
            parts.append(_Part(other, other.text))
            return compose(evidence, parts)
        enough = 3 if long_form else 2
        if plan.shape == "list" and enumerated(best.text) >= self.full_list:
            enough = 1  # "petrochemicals, metallurgy, textiles, pharmaceuticals and …": the list is given
        for cand in cands[1:]:
            if len(parts) >= enough or cand.score < self.second_ratio * best.score:
                break
            # A second sentence must answer a part of the question the first did not.
            new = sum(evidence.weights.get(t, 1.0) for t in (terms - covered) & set(analyse(cand.text)))
            if long_form and new < self.min_new_weight_long:
                continue
            if not long_form and (
                (best.cue >= 1 and best.overlap >= 0.6) or new < self.min_new_weight or _repeats(plan.kind, best, cand)
            ):
                continue
            text = cand.text
            if sum(len(p.text.split()) for p in parts) + len(text.split()) > budget:
                continue
            parts.append(_Part(cand, text))
            covered |= set(analyse(cand.text))
        return compose(evidence, parts)

    def _other_alternative(self, evidence: Evidence, best: Candidate) -> Candidate | None:
        """For "Was it a joint declaration or a joint statement?": when the best sentence names one
        alternative only, a strong sentence that names the other (the sources may call it differently)."""
        if evidence.plan.alternatives is None:
            return None
        first, second = evidence.plan.alternatives  # what tells them apart
        words = set(analyse(best.text))
        if (first <= words) == (second <= words):
            return None
        missing = second if first <= words else first
        for cand in evidence.candidates[1:]:
            if cand.score < self.conflict_ratio * best.score:
                break
            if missing <= set(analyse(cand.text)) and cand.complete:
                return cand
        return None

    def _parts(self, evidence: Evidence) -> Answer | None:
        """One sentence for each part of a two-part question; None unless both parts are answered."""
        found: list[_Part] = []
        for part in evidence.parts:
            best = part.candidates[0] if part.candidates else None
            if best is None or best.score < self.min_score or best.cue == 0 or not best.complete:
                return None
            passage = part.passages[best.passage]
            if any(p.passage == passage and p.candidate.start == best.start for p in found):
                continue  # one sentence answers both
            found.append(_Part(best, best.text, passage))
        return compose(evidence, found)

    def _two_figures(
        self,
        sides: tuple[Evidence, ...],
        read: Callable[[int, Evidence, Candidate], _T | None],
        depth: int = 5,
        complete: bool = False,
    ) -> list[tuple[Evidence, Candidate, _T]]:
        """For each side of a computed answer, its best sentence that `read` finds a figure in; [] unless
        both sides have one. One sentence cannot give both: the second side looks past the first's."""
        found: list[tuple[Evidence, Candidate, _T]] = []
        for k, side in enumerate(sides):
            for cand in side.candidates[:depth]:
                if cand.score < self.min_score or (complete and not cand.complete):
                    break
                if found and _where(side, cand) == _where(found[0][0], found[0][1]):
                    continue
                value = read(k, side, cand)
                if value is not None:
                    found.append((side, cand, value))
                    break
        return found if len(found) == 2 else []

    def _duration(self, evidence: Evidence) -> Answer | None:
        """The time between two events, each dated by its best sentence; None unless both are found."""
        duration = evidence.duration
        assert duration is not None

        def event_date(k: int, event: Evidence, cand: Candidate) -> durations.Date | None:
            named = evidence.plan.operand_years[k]
            # "(see Harbour Review, May 14, 2021)" dates the source the sentence cites, not the event
            dated = [d for d in durations.dates(REFERENCE.sub("", cand.text)) if not named or d.year in named]
            return dated[0] if dated else None

        found = self._two_figures(evidence.operands, event_date, complete=True)
        if not found or found[0][2] == found[1][2]:
            return None
        gap = durations.gap(found[0][2], found[1][2], duration.unit)
        if gap is None:
            return None
        parts = [_Part(cand, cand.text, event.passages[cand.passage]) for event, cand, _ in found]
        prefix = COMPUTED
        if duration.order:  # "Did A come before B?": yes when A's date is the earlier one
            first, second = (found[0][2].year, found[0][2].month or 0), (found[1][2].year, found[1][2].month or 0)
            prefix = COMPUTED_FIRST if first < second else COMPUTED_SECOND
        return compose(evidence, parts, prefix.format(gap=durations.phrase(*gap)))

    def _change(self, evidence: Evidence) -> Answer | None:
        """The change of a level between two years, each given by its best sentence; None unless both are."""
        change = evidence.change
        assert change is not None

        def level(k: int, part: Evidence, cand: Candidate) -> float | None:
            # The year may be in the sentence or, for "This made it …", in the one it points back to.
            before = _antecedent(part, cand)
            year = str(change.years[k])
            dated = year in cand.text or (before is not None and year in before[0].text)
            values = trends.levels(cand.text, change.kind)
            return values[0] if dated and values else None

        found = self._two_figures(evidence.operands, level, depth=8)
        if not found:
            return None
        amount = trends.compute(change.kind, found[0][2], found[1][2])
        if amount is None:
            return None
        parts = [_Part(cand, cand.text, part.passages[cand.passage]) for part, cand, _ in found]
        return compose(evidence, parts, COMPUTED_CHANGE.format(change=amount))

    def _more(self, evidence: Evidence) -> Answer | None:
        """The difference of two counts, each given by its side's best sentence; None unless both are."""
        more = evidence.comparison
        assert more is not None
        found = self._two_figures(evidence.operands, lambda k, _, cand: trends.count_of(cand.text, more.counted[k]))
        if not found:
            return None
        first, second = found[0][2], found[1][2]
        word = "fewer" if first < second or (first == second and more.fewer) else "more"
        figures = f"{abs(first - second):g} {word} ({first:g} against {second:g})"
        parts = [_Part(cand, cand.text, side.passages[cand.passage]) for side, cand, _ in found]
        return compose(evidence, parts, COMPUTED_MORE.format(figures=figures))

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
        """The first strong sentence from another article that `differs` about the same thing: it names
        every term of the question that `best` names, and gives the kind of answer asked for."""
        source = evidence.passages[best.passage].source
        same_thing = evidence.plan.terms & set(analyse(best.text))
        for cand in evidence.candidates[1:]:
            if cand.score < self.conflict_ratio * best.score:
                break
            if evidence.passages[cand.passage].source == source or cand.cue < 1:
                continue
            if same_thing <= set(analyse(cand.text)) and differs(cand):
                return cand
        return None


def _repeats(kind: str | None, best: Candidate, cand: Candidate) -> bool:
    """Does `cand` only give again the date or figure `best` already gives for what is asked?"""
    if best.cue < 1 or cand.cue == 0:
        return False
    if kind == "date":
        ours = _dated(best.text) | set(_DAYS.findall(best.text))
        theirs = _dated(cand.text) | set(_DAYS.findall(cand.text))
        return bool(theirs) and theirs <= ours
    if kind in ("number", "share", "money"):
        figures = measures(REFERENCE.sub("", cand.text))
        return bool(figures) and figures <= measures(REFERENCE.sub("", best.text))
    return False


_DAYS = re.compile(r"(?<![\d.,$])\b\d{1,2}\b(?![\d.,%])")


def _dated(text: str) -> set[str]:
    """The years and months a sentence gives, leaving out those of a source reference "(… May 14, 2025)"."""
    text = REFERENCE.sub("", text)
    return set(YEAR.findall(text)) | set(MONTH.findall(text))


_ANAPHOR = re.compile(
    r"^(?:This|These|Those|It(?! (?:is|was|has been|had been|(?:should|must|can|could|would|will|may|might) be) "
    r"(?:[\w-]+ ){1,2}?(?:that|to|whether|how)\b)|Its|They|Their|Such|He|She|His|Her|The latter|The former)\b"
    r"|^(?:[\w’'-]+,?\s+){1,5}(?:these|those|such)\s"
)


# "the association's leadership": a definite noun that may name something the sentence before introduced.
_DEFINITE = re.compile(r"\bthe ([a-z]{4,})\b")


def _antecedent(evidence: Evidence, cand: Candidate) -> tuple[Candidate, Passage] | None:
    """The sentence before `cand` when `cand` points back to it: it opens with "These routes…", or says
    "the association" where the sentence before named "… Exchange Association".

    Returns it with the passage that holds both sentences, which its offsets are into: the retrieved
    passage, or that passage widened back to the sentence before when `cand` opens it.
    """
    passage = evidence.passages[cand.passage]
    holder = cand.widened or passage
    start = cand.start + passage.start - holder.start
    before = [(a, b) for a, b in sentence_spans(holder.text) if b <= start]
    if not before:
        return None
    a, b = before[-1]
    previous = holder.text[a:b]
    named = {m.group(1) for m in _DEFINITE.finditer(cand.text)}
    if not _ANAPHOR.match(cand.text) and not any(
        re.search(rf"\b[A-Z]\w+ {noun.capitalize()}\b", previous) and noun.capitalize() not in cand.text
        for noun in named
    ):
        return None
    return replace(cand, start=a, end=b, text=previous), holder


def _where(evidence: Evidence, cand: Candidate) -> tuple[str, int]:
    """The article and offset of a candidate sentence, whichever search found it."""
    passage = evidence.passages[cand.passage]
    return passage.source, passage.start + cand.start


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
        p = part.passage or evidence.passages[part.candidate.passage]
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
