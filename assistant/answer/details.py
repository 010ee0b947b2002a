"""Questions about the articles themselves rather than what they say: who wrote one, who published it,
when, and which articles have some detail ("Which articles are from 2026?"). The plan asks `asked`;
cards.py answers from each article's card of details."""

from __future__ import annotations

import re

from ..store.lexical import analyse

# A question about a document: "the Reuters article", "this report", "which pieces".
_DOCUMENT = (
    r"(?:articles?|pieces?|reports?|stor(?:y|ies)|documents?|papers?|posts?|essays?|op-eds?|analys[ie]s|"
    r"commentar(?:y|ies)|write-?ups?|pages?|files?)"
)
_ABOUT_DOCUMENT = re.compile(
    rf"\b(?:the|this|that|these|those|each|every|an?|which|what|whose)\s+(?:[\w’'.&-]+\s+){{0,6}}?(?P<noun>{_DOCUMENT})\b",
    re.I,
)
_ASKS = (
    ("articles", re.compile(
        rf"\b(?:which|what)\s+(?:of the\s+)?{_DOCUMENT}\s+(?:(?:are|were|is|was|come)\s+(?:from|by|dated|published|"
        r"written)|did\s+.+\s+(?:publish|write|put out))\b|\b(?:list|name|show)\s+(?:me\s+)?(?:the|all)\s+"
        rf"{_DOCUMENT}\s+(?:from|by|published|written|dated)\b",
        re.I,
    )),
    ("date", re.compile(
        r"\bwhen\s+(?:was|were|did)\b.*\b(?:published|written|released|posted|dated|come out|appear(?:ed)?|"
        r"publish|write|release|post|appear)\b|\b(?:publication|release)\s+date\b|"
        r"\b(?:what|which)\s+(?:date|day|year)\s+(?:is|was)\b.*\b(?:dated|published|written)\b",
        re.I,
    )),
    ("author", re.compile(
        r"\bwho\s+(?:wrote|writes|authored|penned)\b|\bwho\s+(?:is|was|are|were)\s+(?:the\s+)?(?:authors?|writers?)\b|"
        r"\b(?:authors?|writer)\s+of\b|\bwritten\s+by\s+whom\b",
        re.I,
    )),
    ("publisher", re.compile(
        r"\bwho\s+(?:published|publishes|released|put out)\b|\bpublisher\b|\bpublished\s+by\s+whom\b|"
        r"\b(?:which|what)\s+(?:outlet|publication|newspaper|site|website|magazine|agency)\s+(?:published|ran|"
        r"released|carried)\b",
        re.I,
    )),
)  # fmt: skip
# Words that ask for the details rather than say which article: they do not have to match a card.
ASKING = frozenset(
    analyse(
        "who wrote write writes written author authors writer authored penned publish published publishes publisher "
        "publication released release posted dated date day year when which what list name show come out appear "
        "appeared article articles piece pieces report reports story stories document documents paper papers post "
        "posts essay op-ed analysis commentary write-up whom page pages file files"
    )
)


def asked(question: str) -> str | None:
    """The detail a question asks of the articles themselves ("author", "publisher", "date"), or
    "articles" for which articles have some detail; None for a question about what they say."""
    # a capitalised "Report" names a document the articles talk about (the Warren Report), not one of them
    if not any(m.group("noun").islower() for m in _ABOUT_DOCUMENT.finditer(question)):
        return None
    return next((name for name, pattern in _ASKS if pattern.search(question)), None)
