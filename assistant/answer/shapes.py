"""Questions about whole articles or the collection, told from their wording: a timeline, an overview,
which articles mention a topic, how they differ on it, a summary (of a topic, or of the articles a
title names). The plan asks `whole_articles`; whole_articles.py and collection.py answer."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING

from ..store.lexical import analyse

if TYPE_CHECKING:
    from ..store.protocol import IndexStore

# "Give me a timeline of …", "the key dates", "in chronological order": dated events, in date order.
TIMELINE_QUESTION = re.compile(
    r"\b(?:time ?lines?|chronolog(?:y|ies|ical(?:ly)?)|key dates|main dates|milestones|in (?:date|time) order)\b", re.I
)
# "a timeline of the trade talks": the topic; a timeline "of the articles" or of nothing named is all of them.
_TIMELINE_TOPIC = re.compile(
    r"\b(?:time ?lines?|chronolog(?:y|ies)|key dates|main dates|milestones)\s+(?:of|for|on|about|in)\s+"
    r"(?P<topic>.+?)\W*$",
    re.I,
)
_WHOLE = frozenset(analyse("the articles article collection documents sources events everything all them these this"))
# Questions about whole articles or the collection (collection.py answers them), with their topic.
SUMMARY_QUESTION = re.compile(
    r"^\W*(?:please\s+|(?:can|could) you\s+)?(?:summari[sz]e|sum up)\b|\b(?:give|write|show)(?: me)? (?:a |the )?"
    r"(?:short |brief )?(?:summary|gist) of\b|\b(?:main|key) (?:points|ideas|takeaways)\b|\bin a nutshell\b|"
    r"\bwhat do(?:es)? (?:the|these|this) (?:articles?|sources?|pieces?|documents?|reports?|texts?) say about\b",
    re.I,
)
# Words that name no article in particular: "the articles", "this document", "the whole page".
_UNNAMED = _WHOLE | frozenset(analyse("document page file piece text story whole entire"))
# … and those that never are a title's: "Summarize the Events page" names the page titled "Events", and
# "the documentation of the timers module" the one titled "Timers".
_NOT_TITLES = (_UNNAMED - frozenset(analyse("events sources collection everything"))) | frozenset(
    analyse("documentation module")
)
MAX_TITLED = 3  # a summary topic that titles more articles than this is a topic, not an article
_SUMMARY_TOPIC = re.compile(r"\b(?:about|on|regarding|concerning)\s+(?P<topic>.+?)\W*$", re.I)
# "Summarize the xsltproc document", "Summarize notes.md", "a summary of the user guide": what it names.
_SUMMARY_NAMED = re.compile(
    r"\b(?:summari[sz]e|sum up|summary of|gist of|(?:main|key) (?:points|ideas|takeaways) of)\s+(?P<name>.+?)[\s?.!]*$",
    re.I,
)
_SOURCES = r"(?:articles?|sources?|pieces?|documents?|texts?|pages?|reports?|stories)"
MENTIONS_QUESTION = re.compile(
    rf"\b(?:which|what) (?:of the )?{_SOURCES} (?:mentions?|discuss(?:es)?|talks? about|covers?|refers? to|"
    r"writes? about|says? anything about|names?)\s+(?P<topic>.+?)\W*$",
    re.I,
)
DIFFER_QUESTION = re.compile(
    rf"\bhow do (?:the )?{_SOURCES} (?:differ|disagree|compare|vary)(?: (?:on|about|over|regarding|in))?\s+"
    rf"(?P<topic>.+?)\W*$|\bwhat does each (?:article|source|piece|report) say about\s+(?P<topic2>.+?)\W*$",
    re.I,
)
OVERVIEW_QUESTION = re.compile(
    rf"^\W*(?:what (?:is|are) (?:this|these|the) (?:collection|corpus|{_SOURCES})(?: of \w+)? (?:about|on)|"
    rf"what do (?:the|these) {_SOURCES} (?:cover|talk about|discuss))\W*$",
    re.I,
)


def whole_articles(
    question: str, data: IndexStore | None, sources: Collection[str] | None
) -> tuple[str, str | None, Collection[str] | None] | None:
    """The shape of a question about whole articles, its topic and the articles it names ("Summarize the
    article on Ada Lovelace": that article); None for a question about a fact."""
    if TIMELINE_QUESTION.search(question):
        named = _TIMELINE_TOPIC.search(question)
        topic = named.group("topic") if named and set(analyse(named.group("topic"))) - _WHOLE else None
        return "timeline", topic, sources
    if OVERVIEW_QUESTION.search(question):
        return "overview", None, sources
    if found := MENTIONS_QUESTION.search(question):
        return "mentions", found.group("topic"), sources
    if found := DIFFER_QUESTION.search(question):
        return "differ", found.group("topic") or found.group("topic2"), sources
    if SUMMARY_QUESTION.search(question):
        topic = found.group("topic") if (found := _SUMMARY_TOPIC.search(question)) else None
        name = called.group("name") if topic is None and (called := _SUMMARY_NAMED.search(question)) else None
        asked = topic or name
        titled = titled_sources(asked, data) if asked and data is not None and sources is None else []
        if 0 < len(titled) <= MAX_TITLED:  # "the article on Ada Lovelace", "the xsltproc page": that article, whole
            return "summary", None, titled
        if topic is None and name and sources is None and set(analyse(name)) - _UNNAMED:
            topic = name  # "Summarize the trade talks": no article is titled so; a summary about them
        return "summary", topic, sources
    return None


def titled_sources(topic: str, data: IndexStore) -> list[str]:
    """The articles `topic` names: those titled exactly so, else those whose title names every content
    word of it ("the article on Ada Lovelace"), else those whose file name does ("notes.md"); words such
    as "article" or "document" name no one."""
    wanted = set(analyse(topic)) - _NOT_TITLES
    if not wanted:
        return []
    titles = {s: set(analyse(a.title)) for s, a in data.articles.items()}
    for named in (
        lambda s: titles[s] == wanted,
        lambda s: wanted <= titles[s],
        lambda s: wanted <= set(analyse(s)),
    ):
        if found := sorted(s for s in data.articles if named(s)):
            return found
    return []
