"""The chat's start screen: example questions about topics the indexed articles share, kept only when
the assistant can answer them, and the articles offered for the filter."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

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


def example_questions(bot: Assistant, n: int = EXAMPLES, max_articles: int = 20) -> list[str]:
    """Questions about topics the indexed articles share, kept only if the assistant can answer them.

    Topics are capitalised phrases ("Suez Canal") in the statements of each article's passages
    that best match its title (not its headings, credits or parenthesised references), ranked by
    how many articles mention them, so the examples fit any folder of articles.
    """
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
    questions: list[str] = []
    taken: list[str] = []
    for phrase, _count in sorted(spread.items(), key=lambda kv: (-kv[1], -mentions[kv[0]], kv[0])):
        if any(phrase in t or t in phrase for t in taken):
            continue  # "Jane Doe" after "President Jane Doe" would be the same question twice
        article = "the " if with_the[phrase] * 2 >= mentions[phrase] else ""
        question = f"What do the articles say about {article}{phrase}?"
        try:
            if bot.ask(question).abstained:
                continue
        except AssistantError:
            continue
        questions.append(question)
        taken.append(phrase)
        if len(questions) >= n:
            break
    return questions


def article_choices(bot: Assistant) -> list[tuple[str, str]]:
    """(title, file name) pairs for the article filter, by title."""
    return sorted(((m.get("title") or s, s) for s, m in bot.sources.items()), key=lambda p: p[0].lower())
