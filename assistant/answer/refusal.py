"""The one refusal decision: how likely is the best answer supported, and is that enough?

Every refusal signal (the best sentence's fitted score and its lead over the next, whether it
holds what the question asks for and every figure the question names, how much of the question
the passages cover, names no article contains) feeds one logistic model fitted on the `tune`
splits (`assistant fit`); its threshold was chosen there for false refusals of at most 0.05.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..store.lexical import terms as term_set
from .evidence import Candidate, Evidence
from .scoring import SENTENCE_FEATURES, models


@dataclass(frozen=True)
class Decision:
    """P(the best answer is supported) and whether to answer."""

    probability: float
    answer: bool


def features(evidence: Evidence) -> dict[str, float]:
    """The refusal signals of an evidence set, by name (scoring.SUPPORT_FEATURES)."""
    cands = evidence.candidates
    best = cands[0] if cands else None
    weights = evidence.weights
    total = sum(weights.values()) or 1.0
    seen: set[str] = set()
    for p in evidence.passages[:5]:
        seen |= term_set(p.text)
    values = {
        "best": best.score if best else 0.0,
        "margin": best.score - cands[1].score if best and len(cands) > 1 else (best.score if best else 0.0),
        "cue": best.cue if best else 0.0,
        "complete": float(best.complete) if best else 0.0,
        "overlap": best.overlap if best else 0.0,
        "coverage": sum(w for t, w in weights.items() if t in seen) / total,
        "unknown": float(len(evidence.unknown_terms)),
        "similarity": best.similarity if best else 0.0,
        "predicate": _feature(best, "predicate"),
        "names": _feature(best, "names"),
        "no_cue": float(best is None or best.cue == 0),
    }
    values["names_and_cue"] = values["names"] * values["cue"]
    values["names_and_predicate"] = values["names"] * values["predicate"]
    return values


def _feature(cand: Candidate | None, name: str) -> float:
    return cand.features[SENTENCE_FEATURES.index(name)] if cand is not None and cand.features else 0.0


def vetoed(values: dict[str, float]) -> bool:
    """Signals that on their own say the articles do not answer: the question names something no
    article contains, or the best sentence lacks the kind of answer asked for (no date for "when").
    Each refuses far more unanswerable than answerable tune questions on at least two corpora
    (the note of `assistant fit` reports the rates)."""
    return values["unknown"] > 0 or values["no_cue"] > 0


def decide(evidence: Evidence) -> Decision:
    """Answer unless a veto holds or the fitted probability of support is under the fitted threshold."""
    if not evidence.candidates:
        return Decision(0.0, False)
    model = models().get("support")
    values = features(evidence)
    if model is None:  # before the first `assistant fit`: the vetoes and the plain best score
        ok = values["best"] >= 0.42 and not vetoed(values)
        return Decision(float(ok), ok)
    p = model.probability(values)
    return Decision(p, p >= model.threshold and not vetoed(values))


# A summary or timeline of a topic is refused when the passages found for it are about something else:
# they name neither the topic's rarest word (by idf; a word no article uses is the rarest) nor at least
# this share of its words' idf weight. Over 32 off-topic probes on four eval corpora ("What do the articles
# say about quantum chromodynamics?" over articles on lakes) 30 are refused; of the 26 topics of the gold
# summaries and timelines none is (the lowest: "building and opening of canals", whose passages say
# "built", not "building": 0.56 of its weight named).
TOPIC_COVERED = 0.5


def topic_covered(weights: Mapping[str, float], texts: Iterable[str]) -> bool:
    """Do the passages found for a topic (`texts`) name its rarest word, or at least TOPIC_COVERED of
    its words' weight (`weights`: idf by term)?"""
    total = sum(weights.values())
    if not total:
        return True  # a topic of no content words ("the articles") is every article
    named: set[str] = set()
    for text in texts:
        named |= term_set(text)
    rarest = max(weights, key=lambda t: weights[t])
    return rarest in named or sum(w for t, w in weights.items() if t in named) / total >= TOPIC_COVERED
