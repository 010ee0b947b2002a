"""`assistant fit`: fit the sentence and support models on the `tune` splits of every eval suite.

Examples come from running each tune question through the assistant exactly as `ask` does:
every candidate sentence, labelled by whether it holds a gold evidence quote; every question,
labelled by whether its best sentence does (never, for questions the articles do not answer).
Each corpus weighs the same, however many examples it gives. Test splits are never read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..answer import refusal
from ..answer.scoring import SENTENCE_FEATURES, SUPPORT_FEATURES, WEIGHTS_FILE, Logistic, fitted_from
from ..records import Turn
from . import metrics
from .evaluation import _in_order
from .gold import GoldItem, load_gold
from .suites import Suite, select

MAX_FALSE_REFUSALS = 0.05


@dataclass
class Examples:
    """What one suite's tune questions gave."""

    suite: str
    sentence_rows: list[tuple[float, ...]] = field(default_factory=list)
    sentence_labels: list[int] = field(default_factory=list)
    sentence_groups: list[int] = field(default_factory=list)  # which question each row came from
    questions: list[tuple[Any, bool]] = field(default_factory=list)  # (evidence, answerable)
    quotes: list[list[str]] = field(default_factory=list)
    items: list[GoldItem] = field(default_factory=list)


def gather(suite: Suite, bot: Any, progress: Callable[[int], None] | None = None) -> Examples:
    """Run the suite's tune questions through `bot` (an Assistant over the suite's corpus), conversations
    in order, and keep what the models learn from."""
    items: list[GoldItem] = select(load_gold(suite.gold), "tune")
    out = Examples(suite.name)
    for group in _in_order(items):
        history: list[Turn] = []
        for item in group:
            found = bot._evidence(item.question, history, None)
            answer = bot.writer.write(found)
            qid = len(out.questions)
            for cand in found.candidates:
                out.sentence_rows.append(cand.features)
                out.sentence_labels.append(int(any(metrics.supports(q, cand.text) for q in item.quotes)))
                out.sentence_groups.append(qid)
            out.questions.append((found, item.answerable))
            out.quotes.append(item.quotes)
            out.items.append(item)
            history += [Turn("user", item.question), Turn("assistant", answer.text)]
            if progress:
                progress(1)
    return out


def _weights_by_suite(sizes: list[int]) -> np.ndarray:
    return np.concatenate([np.full(n, 1.0 / n if n else 0.0) for n in sizes]) * len(sizes)


def fit_sentence_model(examples: list[Examples], l2: float = 0.1) -> Logistic:
    """A conditional logit: within each question, the softmax of the candidates' linear scores should
    put the mass on candidates that hold evidence (what picking the best sentence needs), then one
    intercept makes the score a probability that a sentence holds evidence."""
    from scipy.optimize import minimize

    rows = np.array([r for e in examples for r in e.sentence_rows], dtype=np.float64)
    labels = np.array([y for e in examples for y in e.sentence_labels], dtype=np.float64)
    groups = np.array([g + 100_000 * k for k, e in enumerate(examples) for g in e.sentence_groups])
    mean, scale = rows.mean(axis=0), rows.std(axis=0)
    scale[scale == 0] = 1.0
    x = (rows - mean) / scale
    # Questions with at least one positive candidate, each weighted so every suite counts the same.
    ids = [g for g in np.unique(groups) if labels[groups == g].any()]
    suite_of = {g: g // 100_000 for g in ids}
    per_suite = np.bincount([suite_of[g] for g in ids], minlength=len(examples)).astype(np.float64)
    members = [np.flatnonzero(groups == g) for g in ids]
    weights = np.array([len(ids) / (len(examples) * per_suite[suite_of[g]]) for g in ids])

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = l2 * 0.5 * float(w @ w), l2 * w.copy()
        for rows_of, weight in zip(members, weights, strict=True):
            z = x[rows_of] @ w
            z -= z.max()
            p = np.exp(z) / np.exp(z).sum()
            y = labels[rows_of] / labels[rows_of].sum()
            total -= weight * float(y @ np.log(p + 1e-12))
            grad -= weight * (x[rows_of].T @ (y - p))
        return total, grad

    w = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x
    calibration = _fit(
        ("score",), (x @ w)[:, None], labels.astype(int), _weights_by_suite([len(e.sentence_rows) for e in examples])
    )
    a, b = float(calibration.coef[0] / calibration.scale[0]), calibration.intercept
    b -= a * float(calibration.mean[0])
    return Logistic(SENTENCE_FEATURES, mean, scale, w * a, b)


# Support features where more means less support; for every other one, more means more.
LESS_SUPPORT = frozenset({"unknown", "no_cue"})


def _fit(
    features: tuple[str, ...],
    rows: np.ndarray,
    labels: np.ndarray,
    weight: np.ndarray,
    signs: np.ndarray | None = None,
) -> Logistic:
    """A weighted, L2-regularised logistic regression (as scikit-learn's with C=1) on standardised
    features. With `signs`, each weight keeps the sign given (+1: more of the feature never lowers the
    probability; -1: never raises it)."""
    from scipy.optimize import minimize

    mean, scale = rows.mean(axis=0), rows.std(axis=0)
    scale[scale == 0] = 1.0
    x = np.hstack([(rows - mean) / scale, np.ones((len(rows), 1))])
    y = labels.astype(np.float64)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ theta
        p = 1.0 / (1.0 + np.exp(-z))
        total = float(np.sum(weight * (np.logaddexp(0.0, z) - y * z))) + 0.5 * float(theta[:-1] @ theta[:-1])
        grad = x.T @ (weight * (p - y))
        grad[:-1] += theta[:-1]
        return total, grad

    free: list[tuple[float | None, float | None]] = [(None, None)] * len(features)
    bounds = [(0.0, None) if s > 0 else (None, 0.0) for s in signs] if signs is not None else free
    theta = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B", bounds=[*bounds, (None, None)]).x
    return Logistic(features, mean, scale, theta[:-1].copy(), float(theta[-1]))


def rescore(examples: list[Examples], model: Logistic) -> list[Examples]:
    """The same evidence with candidates scored by `model` and re-sorted, as `ask` would now see it."""
    return [replace(e, questions=[(_rescored(found, model), ok) for found, ok in e.questions]) for e in examples]


def _rescored(found: Any, model: Logistic) -> Any:
    cands = found.candidates
    if cands:
        probs = model.probabilities(np.array([c.features for c in cands], dtype=np.float64))
        cands = sorted((replace(c, score=float(p)) for c, p in zip(cands, probs, strict=True)), key=lambda c: -c.score)
    return replace(found, candidates=cands)


def top1(examples: list[Examples]) -> dict[str, float]:
    """Share of answerable tune questions whose best candidate holds evidence, per suite."""
    shares = {}
    for e in examples:
        hits = [
            any(metrics.supports(q, found.candidates[0].text) for q in quotes)
            for (found, answerable), quotes in zip(e.questions, e.quotes, strict=True)
            if answerable and found.candidates
        ]
        shares[e.suite] = sum(hits) / len(hits) if hits else 0.0
    return shares


def fit_support_model(examples: list[Examples]) -> tuple[Logistic, dict[str, dict[str, float]]]:
    """P(the articles support an answer) and the highest threshold keeping false refusals ≤ 0.05 (the mean
    of the suites' rates, vetoes included, so no one corpus sets the limit alone).

    Labelled by whether the gold set answers the question at all: that is what a refusal decides. (Whether
    the best sentence holds the answer is the sentence model's job; labelling by it mixes wrong picks of
    answerable questions in with unanswerable ones and blurs the boundary.) Fitted on the questions no
    veto refuses: the model learns what the vetoes leave."""
    per_suite = []
    rows, labels, suite_sizes = [], [], []
    report: dict[str, dict[str, float]] = {}
    for e in examples:
        values = [refusal.features(found) for found, _ in e.questions]
        flags = np.array([answerable for _, answerable in e.questions])
        veto = np.array([refusal.vetoed(v) for v in values])
        matrix = np.array([[v[n] for n in SUPPORT_FEATURES] for v in values], dtype=np.float64)
        per_suite.append((matrix, flags, veto))
        rows.append(matrix[~veto])
        labels.append(flags[~veto].astype(int))
        suite_sizes.append(int((~veto).sum()))
        report[e.suite] = {
            "veto_refuses_answerable": float(veto[flags].mean()) if flags.any() else 0.0,
            "veto_refuses_unanswerable": float(veto[~flags].mean()) if (~flags).any() else 0.0,
        }
    # Each weight keeps its intuitive sign (a best sentence that matches the question better never lowers
    # support). Unconstrained, the model refused more of the eval's plausible unanswerable questions but
    # learned that low overlap means support, and answered "What is the best recipe for lasagne?".
    signs = np.array([-1.0 if name in LESS_SUPPORT else 1.0 for name in SUPPORT_FEATURES])
    model = _fit(SUPPORT_FEATURES, np.vstack(rows), np.concatenate(labels), _weights_by_suite(suite_sizes), signs)
    scored = [(model.probabilities(m), f, v) for m, f, v in per_suite]

    def false_refusals(t: float) -> float:
        return float(np.mean([np.mean((p[f] < t) | v[f]) for p, f, v in scored if f.any()]))

    candidates = sorted({float(x) for p, _, _ in scored for x in np.round(p, 4)})
    threshold = max([t for t in candidates if false_refusals(t) <= MAX_FALSE_REFUSALS], default=0.0)
    model = replace(model, threshold=threshold)
    for e, (p, f, v) in zip(examples, scored, strict=True):
        refused = (p < threshold) | v
        report[e.suite]["false_refusals"] = float(refused[f].mean()) if f.any() else 0.0
        report[e.suite]["refusals"] = float(refused[~f].mean()) if (~f).any() else 0.0
    return model, report


def sentence_threshold(examples: list[Examples], model: Logistic) -> float:
    """The score above which a candidate most often holds evidence (best F1 on the tune rows)."""
    rows = np.array([r for e in examples for r in e.sentence_rows], dtype=np.float64)
    labels = np.array([y for e in examples for y in e.sentence_labels], dtype=bool)
    probs = model.probabilities(rows)
    best, best_f1 = 0.5, -1.0
    for t in np.linspace(0.05, 0.95, 91):
        predicted = probs >= t
        tp = np.sum(predicted & labels)
        f1 = 2 * tp / (np.sum(predicted) + np.sum(labels)) if tp else 0.0
        if f1 > best_f1:
            best, best_f1 = float(t), float(f1)
    return best


WRITER_GRID = {
    "second_ratio": (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
    "min_new_weight": (0.5, 1.0, 2.0, 3.0),
}


def writer_score(examples: list[Examples], **constants: float) -> float:
    """Mean over suites of answer accuracy plus half the citation precision, answering the tune questions
    from their gathered evidence with these writer constants."""
    from ..answer.writer import ExtractiveWriter
    from .evaluation import score_item

    writer = ExtractiveWriter(**constants)  # type: ignore[arg-type]
    per_suite = []
    for e in examples:
        results = [
            score_item(item, writer.write(found), 0.0) for (found, _), item in zip(e.questions, e.items, strict=True)
        ]
        ok = [r for r in results if r.answerable]
        accuracy = float(np.mean([r.correct and r.concise for r in ok])) if ok else 0.0
        precision = [r.citation_precision for r in ok if r.citation_precision is not None]
        per_suite.append(accuracy + 0.5 * (float(np.mean(precision)) if precision else 0.0))
    return float(np.mean(per_suite))


def fit_writer(examples: list[Examples]) -> tuple[dict[str, float], float]:
    """Each writer constant in turn, on its grid, keeping the others: the value that scores best on tune."""
    chosen = {name: grid[len(grid) // 2] for name, grid in WRITER_GRID.items()}
    best = writer_score(examples, **chosen)
    for name, grid in WRITER_GRID.items():
        for value in grid:
            score = writer_score(examples, **{**chosen, name: value})
            if score > best + 1e-9:
                best, chosen[name] = score, value
    return chosen, best


def fit_all(suites: list[Suite], gathered: Callable[[Suite], Examples], out: Path = WEIGHTS_FILE) -> dict[str, Any]:
    """Everything `assistant fit` does: gather each suite's tune questions with no fitted weights in
    use (so a refit does not depend on the last one), fit the sentence model, then the support model on
    the rescored evidence, then the writer's constants with both in use; write them to `out`."""
    with fitted_from(None):
        examples = [gathered(suite) for suite in suites]
    before = top1(examples)
    sentence = fit_sentence_model(examples)
    sentence = replace(sentence, threshold=sentence_threshold(examples, sentence))
    rescored = rescore(examples, sentence)
    after = top1(rescored)
    support, refusals = fit_support_model(rescored)
    report = {
        s.name: {"best_sentence_holds_evidence": {"before": before[s.name], "after": after[s.name]}, **refusals[s.name]}
        for s in suites
    }
    models = {"sentence": sentence, "support": support}
    names = [s.name for s in suites]
    write(models, names, report, out=out)
    with fitted_from(out):
        writer, _ = fit_writer(rescored)
    write(models, names, report, writer, out=out)
    return {"report": report, "models": models, "writer": writer}


def write(
    models: dict[str, Logistic],
    suites: list[str],
    report: dict[str, Any],
    writer: dict[str, float] | None = None,
    out: Path = WEIGHTS_FILE,
) -> None:
    payload = {
        "fitted": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "assistant fit",
        "fitted_on": [f"{s}/tune" for s in suites],
        "report": report,
        "models": {name: m.to_dict() for name, m in models.items()},
        "writer": writer or {},
    }
    out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    from ..answer.scoring import load, load_writer

    load.cache_clear()
    load_writer.cache_clear()
