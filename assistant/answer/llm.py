"""An answer writer over any LangChain chat model, checked sentence by sentence against its sources.

The model gets the numbered passages and must cite them with [n]. Its answer is kept only if
every sentence cites a passage that exists and that passage supports it (its names and figures
are there, and most of its words); otherwise the extractive answer is used. A model that says
the passages do not cover the question gets the usual refusal, with the closest matches.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from ..ingest.sentences import sentence_spans
from ..patterns import MARKER_RE
from ..records import Answer, Citation, Passage
from ..store.lexical import analyse
from .evidence import Evidence
from .writer import AnswerWriter, ExtractiveWriter, refusal

log = logging.getLogger(__name__)

NOT_COVERED = "NOT_COVERED"
SYSTEM_PROMPT = f"""You answer questions using only the numbered passages you are given.
Write one to three short sentences. End every sentence with the number of the passage it comes from, like [2].
Use only facts stated in the passages; do not add anything from your own knowledge.
If the passages do not answer the question, reply with exactly {NOT_COVERED}."""

_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w’'-]+")


@dataclass(frozen=True)
class Support:
    """How well a passage backs one sentence of a model's answer."""

    coverage: float  # share of the sentence's content words found in the passage
    missing: tuple[str, ...]  # figures and names of the sentence that the passage lacks

    def holds(self, min_coverage: float) -> bool:
        return not self.missing and self.coverage >= min_coverage


def support(sentence: str, passage: str) -> Support:
    """Check a sentence against a passage: every figure and name in it, and most of its words."""
    words = set(analyse(sentence))
    found = set(analyse(passage))
    coverage = len(words & found) / len(words) if words else 0.0
    passage_figures = {f.replace(",", "") for f in _FIGURE.findall(passage)}
    lower = passage.lower()
    missing = [f for f in _FIGURE.findall(sentence) if f.replace(",", "") not in passage_figures]
    missing += [n for n in _NAME.findall(sentence) if n.lower() not in lower]
    return Support(coverage, tuple(dict.fromkeys(missing)))


def format_passages(passages: list[Passage]) -> str:
    """The passages as the model sees them: "[n] Title\\ntext"."""
    return "\n\n".join(f"[{i}] {p.title}\n{p.text}" for i, p in enumerate(passages, 1))


@dataclass
class LLMWriter:
    """Answers written by a LangChain chat model (`BaseChatModel`: ChatOllama, ChatOpenAI, …).

    `fallback` writes the answer when the model's fails the checks, errors out, or cites nothing.
    """

    model: Any
    fallback: AnswerWriter = field(default_factory=ExtractiveWriter)
    max_passages: int = 5
    min_coverage: float = 0.6

    def write(self, evidence: Evidence) -> Answer:
        passages = evidence.passages[: self.max_passages]
        if not passages:
            return refusal(evidence)
        messages = [
            ("system", SYSTEM_PROMPT),
            ("human", f"Passages:\n\n{format_passages(passages)}\n\nQuestion: {evidence.question}"),
        ]
        try:
            reply = self.model.invoke(messages)
        except Exception as exc:  # a model server down or misbehaving must not break the answer
            log.warning("chat model failed (%s); using the extractive answer", exc)
            return self.fallback.write(evidence)
        content = reply.content if hasattr(reply, "content") else reply
        text = content if isinstance(content, str) else str(content)
        if NOT_COVERED in text:
            return refusal(evidence)
        answer = self.check(text, evidence, passages)
        return answer if answer is not None else self.fallback.write(evidence)

    def check(self, text: str, evidence: Evidence, passages: list[Passage]) -> Answer | None:
        """The model's answer with markers renumbered in order of use, or None if a sentence fails."""
        numbers: dict[int, int] = {}  # the model's [n] -> our marker
        citations: list[Citation] = []
        out: list[str] = []
        for a, b in sentence_spans(text.strip()):
            sentence = text.strip()[a:b]
            cited = [int(m) for m in MARKER_RE.findall(sentence)]
            cited = [n for n in cited if 1 <= n <= len(passages)]  # markers pointing nowhere are dropped
            body = MARKER_RE.sub("", sentence).strip()
            body = re.sub(r"\s+([.,;:!?])", r"\1", body)
            if not body or not any(c.isalnum() for c in body):
                continue
            if not cited:
                return None  # an uncited sentence cannot be verified
            for n in cited:
                if not support(body, passages[n - 1].text).holds(self.min_coverage):
                    return None
            markers = []
            for n in dict.fromkeys(cited):
                if n not in numbers:
                    p = passages[n - 1]
                    numbers[n] = len(citations) + 1
                    s, e = _best_sentence(body, p.text)
                    citations.append(Citation(numbers[n], p.source, p.title, p.text, p.start, p.end, s, e))
                markers.append(f"[{numbers[n]}]")
            out.append(f"{body} {' '.join(markers)}")
        if not out:
            return None
        return Answer(" ".join(out), False, citations, evidence.passages, evidence.question)


def _best_sentence(claim: str, passage: str) -> tuple[int, int]:
    """Offsets of the passage sentence sharing most words with the claim, for highlighting."""
    terms = set(analyse(claim))
    spans = sentence_spans(passage) or [(0, len(passage))]
    return max(spans, key=lambda s: len(terms & set(analyse(passage[s[0] : s[1]]))))
