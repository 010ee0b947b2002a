"""Pure evaluation metrics: evidence found by text, answer matching with numbers, F1, latency.

Nothing here touches the index or the model, so each function is tested on hand-made cases.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from ..answer.quantities import quantities
from ..ingest.sentences import is_statement
from ..patterns import MARKER_PATTERN

MARKERS = re.compile(r"\s*" + MARKER_PATTERN)
_WORDS = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+", re.UNICODE)
CONCISE_WORDS = 60
CONCISE_WORDS_LONG = 100  # list and why/how answers may run longer
LONG_TYPES = frozenset({"list", "why_how", "conflict", "cross_doc", "multi_hop"})


def normalise(text: str) -> str:
    """Lower-case words and numbers only: quotes, dashes, accents and punctuation do not matter."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_WORDS.findall(text.lower()))


def strip_markers(text: str) -> str:
    return MARKERS.sub("", text)


def numbers(text: str) -> set[tuple[float, str]]:
    """Quantities in `text` as (value, kind): "$3.744 billion", "3.744 bn" and "3,744 million" agree."""
    return quantities(text)


def _as_written(gold: str) -> bool:
    """A gold answer whose symbols are what it says: an option "-a", a format "%k". Without them it would
    be a letter or two that any "a" in an answer states."""
    gold = gold.strip()
    return bool(gold) and not gold[0].isalnum() and gold[0] not in "$€£¥\"'“‘(" and len(normalise(gold)) <= 2


def matches(answer: str, gold: str) -> bool:
    """Does the answer state the gold answer, up to case, punctuation and number format? A gold answer
    such as "-a" or "%k" must be stated as written."""
    if _as_written(gold):
        return re.search(rf"(?<![\w-]){re.escape(gold.strip())}(?![\w-])", strip_markers(answer)) is not None
    if normalise(gold) and f" {normalise(gold)} " in f" {normalise(strip_markers(answer))} ":
        return True
    wanted = numbers(gold)
    return bool(wanted) and wanted <= numbers(strip_markers(answer))


def _same_value(a: str, b: str) -> bool:
    if numbers(a) and numbers(b):
        return numbers(a) == numbers(b)
    na, nb = f" {normalise(a)} ", f" {normalise(b)} "
    return na in nb or nb in na


def value_groups(golds: Sequence[str]) -> list[list[str]]:
    """Gold variants grouped by the value they express ("$4 billion" and "4 billion" are one)."""
    groups: list[list[str]] = []
    for gold in golds:
        for group in groups:
            if any(_same_value(gold, other) for other in group):
                group.append(gold)
                break
        else:
            groups.append([gold])
    return groups


def required_matches(kind: str, golds: Sequence[str]) -> int:
    """How many distinct gold values an answer must state: two for lists and conflicts, else one."""
    groups = value_groups(golds)
    return min(2, len(groups)) if kind in ("list", "conflict") else 1


def answer_correct(answer: str, golds: Sequence[str], kind: str = "factoid") -> bool:
    """Enough distinct gold values stated (one; two for list and conflict items)."""
    hit = sum(any(matches(answer, g) for g in group) for group in value_groups(golds))
    return bool(golds) and hit >= required_matches(kind, golds)


def concise(answer: str, passages: Sequence[str], kind: str = "factoid") -> bool:
    """Short enough to read at a glance, and not a retrieved chunk pasted whole."""
    body = strip_markers(answer)
    limit = CONCISE_WORDS_LONG if kind in LONG_TYPES else CONCISE_WORDS
    if len(body.split()) > limit:
        return False
    words = normalise(body)
    return not any(len(normalise(p).split()) >= 40 and normalise(p) in words for p in passages)


def token_f1(answer: str, gold: str) -> float:
    """SQuAD-style token F1 between an answer (markers removed) and one gold answer."""
    a, g = normalise(strip_markers(answer)).split(), normalise(gold).split()
    common = sum((Counter(a) & Counter(g)).values())
    if not a or not g or not common:
        return 0.0
    precision, recall = common / len(a), common / len(g)
    return 2 * precision * recall / (precision + recall)


def evidence_found(quote: str, passage: str, min_words: int = 5, min_share: float = 0.5) -> bool:
    """Is the quote in the passage, by text? Tolerates a chunk boundary that cuts the quote.

    True when the normalised quote is inside the passage, or when a contiguous run of its words
    at least `min_share` of it long (and at least `min_words`) is.
    """
    q, p = normalise(quote).split(), f" {normalise(passage)} "
    if not q:
        return False
    if f" {' '.join(q)} " in p:
        return True
    need = max(min(min_words, len(q)), math.ceil(min_share * len(q)))
    return any(f" {' '.join(q[i : i + need])} " in p for i in range(len(q) - need + 1))


def first_rank(quotes: Sequence[str], passages: Sequence[str]) -> int | None:
    """1-based rank of the first passage holding any of the quotes, or None."""
    for rank, passage in enumerate(passages, start=1):
        if any(evidence_found(q, passage) for q in quotes):
            return rank
    return None


def recall_at(quotes: Sequence[str], passages: Sequence[str], k: int) -> float:
    """Share of the evidence quotes found in the top k passages."""
    if not quotes:
        return 0.0
    return sum(any(evidence_found(q, p) for p in passages[:k]) for q in quotes) / len(quotes)


def supports(quote: str, sentence: str, min_words: int = 5) -> bool:
    """Does a cited sentence hold evidence: the quote is in it (or half of it is), or it is part of the quote?"""
    if evidence_found(quote, sentence):
        return True
    words = normalise(sentence)
    return len(words.split()) >= min_words and f" {words} " in f" {normalise(quote)} "


def citation_precision(quotes: Sequence[str], cited: Sequence[str]) -> float | None:
    """Share of cited sentences that hold some evidence; None when nothing is cited."""
    if not cited:
        return None
    return sum(any(supports(q, c) for q in quotes) for c in cited) / len(cited)


def citation_recall(quotes: Sequence[str], cited: Sequence[str]) -> float:
    """Share of the evidence quotes that some cited sentence covers."""
    if not quotes:
        return 0.0
    return sum(any(supports(q, c) for c in cited) for q in quotes) / len(quotes)


_PIECE = re.compile(r"(.+?)\s*" + MARKER_PATTERN + r"(?:\s+|$)", re.S)
# The answer's own framing before a quoted sentence ("The sources give different figures: …").
_FRAME = re.compile(r"^[^.?!:“\"]{0,60}:\s+(?=[A-Z“\"(])")


def fragments(answer: str) -> list[str]:
    """The shown pieces of an answer that are not whole statements (sentences.is_statement): a
    sentence's tail or head, a heading or label, a line that announces what follows ("… as follows:")."""
    bad = []
    for match in _PIECE.finditer(answer):
        piece = _FRAME.sub("", match.group(1).strip()).lstrip("-• ").strip()
        if not is_statement(piece):
            bad.append(piece)
    return bad


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)
