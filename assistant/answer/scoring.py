"""Fitted scores: how likely a sentence answers the question, and how likely an answer is supported.

Both are logistic regressions over general features (no feature names a word of any corpus),
fitted on the `tune` splits of every eval suite by `assistant fit` and shipped as
`assistant/answer/weights.json`. Scoring needs only NumPy; fitting needs scikit-learn.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

WEIGHTS_FILE = Path(__file__).with_name("weights.json")

# What each sentence is described by (see evidence.collect).
SENTENCE_FEATURES = (
    "similarity",  # cosine of question and sentence embeddings (or a reranker's score)
    "similarity_gap",  # similarity minus the best candidate's: how it stands against the others
    "overlap",  # idf-weighted share of the question's terms in the sentence
    "overlap_gap",  # overlap minus the best candidate's
    "cue",  # holds what the question asks for: a date, a figure, a name, a cause (0, 0.5, 1)
    "complete",  # every figure the question names, the thing counted, the office asked about
    "rank",  # 1 / (1 + rank of its passage)
    "passage_score",  # its passage's fused retrieval score over the best passage's
    "lead",  # the first sentence of its article
    "length",  # log of its word count
    "predicate",  # idf share of the question's other terms (what it asks of them) in the sentence
    "names",  # idf share of the question's names (capitalised words) in the sentence, the one before or the title
    "names_and_cue",  # the right subject and the right kind of answer together
    "names_and_predicate",  # the right subject and what is asked of it together
    "asks",  # the sentence is itself a question: it restates, it does not answer
)
# What an answer's best sentence and its surroundings are described by (see refusal.py).
SUPPORT_FEATURES = (
    "best",  # the best sentence's fitted score
    "margin",  # best minus the second best
    "cue",
    "complete",
    "overlap",  # the best sentence's term overlap
    "coverage",  # idf share of the question's terms found anywhere in the top passages
    "unknown",  # names or figures of the question no article contains (count)
    "similarity",
    "predicate",  # of the best sentence
    "names",
    "no_cue",  # the best sentence lacks what the question asks for (no date for "when", …)
    "names_and_cue",  # the right subject and the right kind of answer together
    "names_and_predicate",  # the right subject and what is asked of it together
)


@dataclass(frozen=True)
class Logistic:
    """A fitted logistic regression over named, standardised features."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float = 0.5  # the decision point chosen when it was fitted

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        z = ((rows - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def probability(self, values: Mapping[str, float]) -> float:
        row = np.array([[values[name] for name in self.features]], dtype=np.float64)
        return float(self.probabilities(row)[0])

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
            "threshold": self.threshold,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Logistic:
        return cls(
            tuple(d["features"]),
            np.asarray(d["mean"], dtype=np.float64),
            np.asarray(d["scale"], dtype=np.float64),
            np.asarray(d["coef"], dtype=np.float64),
            float(d["intercept"]),
            float(d.get("threshold", 0.5)),
        )


_active: list[Path | None] = [WEIGHTS_FILE]


@contextmanager
def fitted_from(path: Path | None) -> Iterator[None]:
    """Score with the weights in `path` (None: the plain defaults, as before any fit) inside the block."""
    _active.append(path)
    try:
        yield
    finally:
        _active.pop()


def models() -> dict[str, Logistic]:
    """The fitted models in use: "sentence" and "support" (none before the first `assistant fit`)."""
    path = _active[-1]
    return load(path) if path is not None else {}


def writer_constants() -> dict[str, float]:
    """The writer constants in use ("second_ratio", …); empty before the first `assistant fit`."""
    path = _active[-1]
    return load_writer(path) if path is not None else {}


@cache
def load(path: Path = WEIGHTS_FILE) -> dict[str, Logistic]:
    """The shipped models by name ("sentence", "support"); none when `path` does not exist (yet).

    Read once per path (`fitting.write` clears the cache): answering does not touch the disk.
    """
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    models = {name: Logistic.from_dict(d) for name, d in data["models"].items()}
    for name, wanted in (("sentence", SENTENCE_FEATURES), ("support", SUPPORT_FEATURES)):
        if name in models and models[name].features != wanted:
            raise ValueError(f"{path}: the {name} model was fitted on other features; run: assistant fit")
    return models


@cache
def load_writer(path: Path = WEIGHTS_FILE) -> dict[str, float]:
    """The writer constants `assistant fit` chose ("second_ratio", …); none when `path` does not exist."""
    if not path.exists():
        return {}
    return {k: float(v) for k, v in json.loads(path.read_text(encoding="utf-8")).get("writer", {}).items()}


def sentence_rows(values: Sequence[Mapping[str, float]]) -> np.ndarray:
    return np.array([[v[name] for name in SENTENCE_FEATURES] for v in values], dtype=np.float64).reshape(
        len(values), len(SENTENCE_FEATURES)
    )


def length_feature(words: int) -> float:
    return math.log1p(words)
