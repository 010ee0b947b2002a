"""The chat's start screen: example questions about topics the indexed articles share, kept only when
the assistant can answer them, and the articles offered for the filter."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..answer.collection import OVERVIEW_ARTICLES
from ..answer.timeline import Timeline
from ..errors import AssistantError
from ..ingest.sentences import is_statement, sentence_spans

if TYPE_CHECKING:
    from ..core import Assistant

EXAMPLES = 4


# Capitalised phrases ("Suez Canal", "European Central Bank") as example-question topics.
_PHRASE = re.compile(r"\b[A-Z][\w’'-]+(?:(?: (?:and|of|for|the))? [A-Z][\w’'-]+){1,3}")


# Sentence-initial words that a capitalised phrase should not start with.
_LEADING = {
    "The",
    "A",
    "An",
    "In",
    "On",
    "At",
    "For",
    "And",
    "But",
    "As",
    "By",
    "With",
    "From",
    "This",
    "These",
    "That",
    "Its",
    "Their",
    "Since",
    "During",
    "After",
    "Before",
    "While",
    "When",
    "If",
    "Of",
    "To",
}


def _topics(text: str) -> Iterator[tuple[str, bool]]:
    """Capitalised phrases of `text`, each with whether the text says "the" before it."""
    for match in _PHRASE.finditer(text):
        words = match.group(0).split(" ")
        with_the = text[max(0, match.start() - 4) : match.start()].lower() == "the "
        while words and words[0] in _LEADING:
            with_the = words.pop(0) == "The"
        if len(words) >= 2 and words[-1] not in {"and", "of", "for", "the"}:
            yield " ".join(words), with_the


_ASIDE = re.compile(r"\s*\([^()]*\)")


def statements_of(text: str) -> str:
    """The sentences of `text` that can stand alone (no headings, labels or credits), asides removed."""
    kept = [text[a:b] for a, b in sentence_spans(text) if is_statement(text[a:b])]
    return " ".join(_ASIDE.sub("", s) for s in kept)


# The start screen shows what the assistant can do: what this collection is about, what the articles say
# about a topic, which mention another, and a timeline of the topic most dated events name.
OVERVIEW = "What is this collection about?"
SAY = "What do the articles say about {}?"
MENTION = "Which articles mention {}?"
TIMELINE = "Give me a timeline of {}"
TOPICS = 12  # topics weighed for the examples, the most shared first
TIMELINE_EVENTS = 3  # a timeline example shows at least this many dates of sentences naming its topic


def example_questions(bot: Assistant, n: int = EXAMPLES, max_articles: int = 20) -> list[str]:
    """Questions of several kinds about topics the indexed articles share, kept only if the assistant
    can answer them: what this collection is about, what the articles say about a topic, which mention
    another, a timeline of the topic with the most dated events, then more topics.

    Topics are capitalised phrases ("Suez Canal") in the statements of each article's passages
    that best match its title (not its headings, credits or parenthesised references), ranked by
    how many articles mention them, so the examples fit any folder of articles.
    """
    topics = _shared_topics(bot, max_articles)
    questions = [OVERVIEW] if len(bot.sources) > 1 and _answered(bot, OVERVIEW) else []
    dated = {t: _dated_events(bot, t) for t in topics}
    best = max(topics, key=lambda t: dated[t], default=None)
    timeline: str | None = None
    if best is not None and dated[best] >= TIMELINE_EVENTS:
        timeline = TIMELINE.format(best)
        topics.remove(best)
    elif len(bot.sources) <= OVERVIEW_ARTICLES and len(_safe_timeline(bot, None).events) >= TIMELINE_EVENTS:
        # no topic has its own: the whole collection's, tried only where the start-up can afford reading
        # every sentence (a collection the overview lists whole)
        timeline = TIMELINE.format("the articles")
    told = 0
    for topic in topics:
        if len(questions) >= n - (timeline is not None):
            break
        kinds = (SAY, MENTION) if told % 2 == 0 else (MENTION, SAY)  # the kinds in turn
        kind = next((k for k in kinds if _answered(bot, k.format(topic))), None)
        if kind is not None:
            questions.append(kind.format(topic))
            told += 1
    if timeline is not None:
        questions.append(timeline)
    return questions[:n]


def _shared_topics(bot: Assistant, max_articles: int) -> list[str]:
    """The TOPICS capitalised phrases the most articles mention ("the Suez Canal": with "the" when the
    text says it so), none inside another."""
    sources = bot.sources
    names = sorted(sources)
    step = max(1, len(names) // max_articles)
    spread: Counter[str] = Counter()  # how many articles mention each phrase
    mentions: Counter[str] = Counter()
    with_the: Counter[str] = Counter()  # how often the text says "the <phrase>"
    for source in names[::step][:max_articles]:
        title = sources[source].get("title") or source
        seen: set[str] = set()
        for passage in bot.search(title, k=4, sources=[source]):
            for phrase, the in _topics(statements_of(passage.text)):
                seen.add(phrase)
                mentions[phrase] += 1
                with_the[phrase] += the
        spread.update(seen)
    taken: list[str] = []
    for phrase, _count in sorted(spread.items(), key=lambda kv: (-kv[1], -mentions[kv[0]], kv[0])):
        if not any(phrase in t or t in phrase for t in taken):  # "Jane Doe" and "President Jane Doe": one
            taken.append(phrase)
        if len(taken) >= TOPICS:
            break
    return [("the " if with_the[p] * 2 >= mentions[p] else "") + p for p in taken]


def _answered(bot: Assistant, question: str) -> bool:
    try:
        return not bot.ask(question).abstained
    except AssistantError:
        return False


def _dated_events(bot: Assistant, topic: str) -> int:
    """How many dates the timeline of `topic` gives to sentences that name it."""
    phrase = topic.removeprefix("the ").lower()
    return len({e.date for e in _safe_timeline(bot, topic).events if phrase in e.text.lower()})


def _safe_timeline(bot: Assistant, topic: str | None) -> Timeline:
    try:
        return bot.timeline(topic)
    except AssistantError:
        return Timeline([])


def article_choices(bot: Assistant) -> list[tuple[str, str]]:
    """(title, file name) pairs for the article filter, by title."""
    return sorted(((m.get("title") or s, s) for s, m in bot.sources.items()), key=lambda p: p[0].lower())
