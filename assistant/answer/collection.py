"""Questions about whole articles and the whole collection, answered with the articles' own sentences.

- **Summaries**: the central sentences of an article, of the passages about a topic, or of the
  collection — each sentence scored by how close it is to the centre of its set (or to the
  topic) and by how much of the topic's (or its article title's) words it names, picked one by
  one with maximal marginal relevance so that no two say the same thing — shown in the order
  the article gives them.
- **Who mentions what**: every article whose text names a topic, with how often and its
  sentence closest to the topic; **what each says**: each such article's sentence closest to
  the question, side by side.
- **Overview**: the articles' titles, publishers and dates, with each one's most central sentence.

Every sentence shown is verbatim and cited, like any answer.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..ingest.sentences import is_statement
from ..records import Answer, Citation
from ..store.lexical import analyse, terms
from ..store.protocol import sentence_text
from .citing import Citer

if TYPE_CHECKING:
    from ..store.protocol import IndexStore

# A summary's length when none is asked for: about a fifth of the sentences it draws on (the ratio of
# gensim's TextRank summariser), at least 6 and at most 10. Chosen on the `tune` summaries: 5 sentences
# covered 0.42 / 0.63 / 0.92 of the gold points (news / wiki / people), a fifth of at least 6 covers
# 0.50 / 0.71 / 1.0; no `test` figure is lower (`assistant eval`, summary_coverage).
SUMMARY_SHARE = 0.2
SUMMARY_SENTENCES = (6, 10)
RELEVANCE_WEIGHT = 0.7  # MMR: weight of closeness to the centre (or topic) against repeating a pick
MIN_WORDS = 8  # shorter sentences are labels and captions more often than points
TOPIC_WORDS_WEIGHT = 1.5  # a topic summary: how much naming the topic's words adds to a sentence's closeness
# A summary of whole articles: how much naming its article's title words adds (the title says what the article
# is about, as a topic does). Chosen on the `tune` summaries: 0.2 states one more gold point on sqlite and
# postgres each, no fewer elsewhere (0.1 and 0.3 gain less or lose one on news); no `test` figure is lower.
TITLE_WORDS_WEIGHT = 0.2
# A summary of whole articles: how much a sentence's specificity adds to its centrality (a tie-breaker:
# of two framing sentences, the one that names something rarer)
SPECIFIC_WEIGHT = 0.03
SPECIFIC_POOL = 1000  # sentences of a large collection whose specificity is worked out (the most central)
SPECIFIC_WORDS = 5  # a sentence's specificity: the mean idf of its this many rarest words, standardised
OVERVIEW_ARTICLES = 100  # an overview lists at most this many articles, then says how many more


def statements(data: IndexStore, rows: Sequence[int]) -> list[int]:
    """The rows among `rows` that are sentences able to stand alone, of at least MIN_WORDS words."""
    texts = {r: sentence_text(data, r) for r in rows}
    return [r for r, text in texts.items() if len(text.split()) >= MIN_WORDS and is_statement(text)]


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


def central(
    vectors: np.ndarray, k: int, toward: np.ndarray | None = None, boost: np.ndarray | None = None
) -> list[int]:
    """Indices of k rows, picked by maximal marginal relevance: close to the centre of all rows (or to
    `toward`, plus each row's `boost`), far from the rows already picked."""
    if len(vectors) == 0:
        return []
    unit = _unit(vectors)
    centre = unit.mean(axis=0) if toward is None else toward
    relevance = unit @ (centre / max(float(np.linalg.norm(centre)), 1e-9))
    if boost is not None:
        relevance = relevance + boost
    picked: list[int] = []
    closest = np.full(len(unit), -1.0)
    for _ in range(min(k, len(unit))):
        score = RELEVANCE_WEIGHT * relevance - (1 - RELEVANCE_WEIGHT) * np.maximum(closest, 0)
        score[picked] = -np.inf
        best = int(np.argmax(score))
        picked.append(best)
        closest = np.maximum(closest, unit @ unit[best])
    return picked


def _cited(data: IndexStore, rows: Sequence[int], lead: str, labels: dict[int, str] | None = None) -> Answer:
    """An answer listing the sentences at `rows`, one line each, with their citations."""
    citer = Citer(data)
    lines = [lead] if lead else []
    citations: list[Citation] = []
    for row in rows:
        citation = citer.cite(row, len(citations) + 1)
        if citation is None:
            continue
        citations.append(citation)
        label = labels.get(row, "") if labels else ""
        lines.append(f"- {label}{citer.text(row)} [{citation.marker}]")
    if not citations:
        return Answer("The articles have no sentences to show for this.", True)
    return Answer("\n".join(lines), False, citations)


def _named_share(weights: dict[str, float], text: str) -> float:
    """The share of the topic's words (`weights`: their idf) that a sentence names."""
    total = sum(weights.values())
    named = set(terms(text))
    return sum(w for t, w in weights.items() if t in named) / total if total else 0.0


def _title_share(data: IndexStore, rows: Sequence[int]) -> np.ndarray:
    """The share of its article title's words (by idf) that each sentence names."""
    weights: dict[str, dict[str, float]] = {}
    shares = []
    for row in rows:
        source = data.sentences[row].source
        if source not in weights:
            weights[source] = data.lexical.idf(set(analyse(data.articles[source].title)))
        shares.append(_named_share(weights[source], sentence_text(data, row)))
    return np.array(shares)


def _specificity(data: IndexStore, rows: Sequence[int]) -> np.ndarray:
    """How specific each sentence is: the mean idf of its SPECIFIC_WORDS rarest words, standardised over
    `rows` (a claim names a place, a treaty, a figure; a framing sentence names what every one does)."""
    words = [set(analyse(sentence_text(data, r))) for r in rows]
    idf = data.lexical.idf(set().union(*words))
    rare = [sorted((idf.get(t, 0.0) for t in w), reverse=True)[:SPECIFIC_WORDS] for w in words]
    values = np.array([float(np.mean(r)) if r else 0.0 for r in rare])
    return (values - values.mean()) / (float(values.std()) or 1.0)


def summary_length(statements: int) -> int:
    """How many sentences a summary of this many statements shows when no length is asked for."""
    least, most = SUMMARY_SENTENCES
    return min(max(math.ceil(SUMMARY_SHARE * statements), least), most)


def in_order(data: IndexStore, rows: Sequence[int]) -> list[int]:
    """Rows in the articles' own order: by article (as indexed), then by position."""
    order = {s: i for i, s in enumerate(data.articles)}
    return sorted(rows, key=lambda r: (order.get(data.sentences[r].source, 0), data.sentences[r].start))


def summarize(
    data: IndexStore,
    rows: Sequence[int],
    k: int | None = None,
    toward: np.ndarray | None = None,
    topic: str | None = None,
) -> Answer:
    """The k most central sentences among `rows` (or those closest to `toward` and naming the most of
    `topic`'s words), in article order; k None: summary_length of them."""
    pool = statements(data, rows)
    if not pool or data.sentence_vectors is None:
        return Answer("The articles have no sentences to summarise here.", True)
    k = summary_length(len(pool)) if k is None else k
    vectors = np.asarray(data.sentence_vectors[pool], dtype=np.float32)
    boost = None
    if topic:
        weights = data.lexical.idf(set(analyse(topic)))
        boost = TOPIC_WORDS_WEIGHT * np.array([_named_share(weights, sentence_text(data, r)) for r in pool])
    else:  # among the most central sentences only: a tie-breaker cannot lift one from far below
        unit = _unit(vectors)
        near = np.argsort(-(unit @ unit.mean(axis=0)))[:SPECIFIC_POOL]
        boost = np.zeros(len(pool))
        central_rows = [pool[i] for i in near]
        titled = TITLE_WORDS_WEIGHT * _title_share(data, central_rows)
        boost[near] = SPECIFIC_WEIGHT * _specificity(data, central_rows) + titled
    chosen = [pool[i] for i in central(vectors, k, toward, boost)]
    sources = {data.sentences[r].source for r in chosen}
    heading = ""
    if len(sources) == 1:
        heading = f"The main points of “{data.articles[next(iter(sources))].title}”:"
    return _cited(data, in_order(data, chosen), heading)


def mentions(data: IndexStore, topic: str, sources: Collection[str] | None = None) -> dict[str, list[int]]:
    """The sentence rows of each article that name every content word of `topic`, by article."""
    wanted = set(analyse(topic))
    if not wanted:
        return {}
    found: dict[str, list[int]] = {}
    for row, sentence in enumerate(data.sentences):
        if sources is not None and sentence.source not in sources:
            continue
        if wanted <= terms(sentence_text(data, row)):
            found.setdefault(sentence.source, []).append(row)
    return found


def _closest(data: IndexStore, rows: Sequence[int], vector: np.ndarray) -> int:
    """The row closest to `vector`, among the rows that are statements when there are any (a heading such
    as "XPath functions" names a topic but says nothing of it)."""
    rows = [r for r in rows if is_statement(sentence_text(data, r))] or list(rows)
    if data.sentence_vectors is None:
        return rows[0]
    sims = np.asarray(data.sentence_vectors[list(rows)], dtype=np.float32) @ vector
    return rows[int(np.argmax(sims))]


def who_mentions(data: IndexStore, topic: str, vector: np.ndarray, sources: Collection[str] | None = None) -> Answer:
    """Each article that names `topic`: its sentence closest to the topic and how often it names it."""
    found = mentions(data, topic, sources)
    if not found:
        return Answer(f"No article mentions {topic}.", True)
    total = len(sources) if sources is not None else len(data.articles)
    best = {s: _closest(data, rows, vector) for s, rows in found.items()}
    ranked = sorted(found, key=lambda s: -len(found[s]))
    labels = {best[s]: f"{data.articles[s].title} ({_times(len(found[s]))}): " for s in ranked}
    lead = f"{len(found)} of {total} articles mention {topic}:"
    return _cited(data, [best[s] for s in ranked], lead, labels)


def what_each_says(data: IndexStore, topic: str, vector: np.ndarray, sources: Collection[str] | None = None) -> Answer:
    """Each article that names `topic`, with its sentence closest to the question, side by side."""
    found = mentions(data, topic, sources)
    if not found:
        return Answer(f"No article mentions {topic}.", True)
    best = {s: _closest(data, rows, vector) for s, rows in found.items()}
    labels = {best[s]: f"{data.articles[s].title}: " for s in found}
    lead = f"What each article says about {topic}:" if len(found) > 1 else f"Only one article mentions {topic}:"
    return _cited(data, [best[s] for s in found], lead, labels)


def overview(data: IndexStore, sources: Collection[str] | None = None) -> Answer:
    """The articles (those of `sources`, when given): title, publisher and date, and each one's most
    central sentence."""
    by_source: dict[str, list[int]] = {}
    for row, sentence in enumerate(data.sentences):
        by_source.setdefault(sentence.source, []).append(row)
    picked, labels = [], {}
    shown = [s for s in data.articles if sources is None or s in sources]
    names = shown[:OVERVIEW_ARTICLES]
    for source in names:
        pool = statements(data, by_source.get(source, []))
        if not pool or data.sentence_vectors is None:
            continue
        row = pool[central(np.asarray(data.sentence_vectors[pool], dtype=np.float32), 1)[0]]
        article = data.articles[source]
        about = ", ".join(x for x in (article.publisher, article.date) if x)
        labels[row] = f"{article.title}" + (f" ({about})" if about else "") + ": "
        picked.append(row)
    whole = len(data.articles)
    lead = (
        f"The collection holds {whole} articles"
        if sources is None
        else f"Searching {len(shown)} of the collection's {whole} articles"
    )
    lead += f"; the first {len(names)}:" if len(shown) > len(names) else ":"
    return _cited(data, picked, lead, labels)


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"
