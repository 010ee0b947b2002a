"""How the chat shows an answer: its text with linked [n] markers, its source cards with the cited
sentence highlighted in its passage, timings, and the JSON the HTTP API returns."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..answer.writer import CLOSEST_MATCHES
from ..patterns import MARKER_PATTERN, MARKER_RE
from ..records import Answer, Citation
from . import ui_timeline

CONTEXT_CHARS = 260  # passage text shown on each side of the highlighted sentence


# Boundaries at which a partial answer may be shown: after a citation marker, or at a line break.
_PIECE_END = re.compile(MARKER_PATTERN + r"(?=\s)|\n")


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def render_user(question: str, used: str | None = None) -> str:
    """A user's message as literal text; when only `used` of it was answered (a question cut to length),
    that part, then the rest set apart as not used."""
    if used is None or not question.startswith(used) or len(used) >= len(question.rstrip()):
        return f'<p class="question">{esc(question)}</p>'
    rest = question[len(used) :]
    return f'<p class="question">{esc(used)}<span class="unused" title="not used">{esc(rest)}</span></p>'


def _link_markers(line: str, citations: Sequence[Citation], anchor: str) -> str:
    """A line of answer text, escaped, with its [n] markers as links to their source cards.

    Markers inside a quoted article sentence (footnotes like "[1]" in the article's own text)
    stay plain text: only the markers the assistant added point to sources.
    """
    titles = {c.marker: c.title for c in citations}
    quoted = [
        (m.start(), m.end())
        for sentence in {c.sentence for c in citations if c.sentence.strip()}
        for m in re.finditer(re.escape(sentence), line)
    ]
    out: list[str] = []
    pos = 0
    for match in MARKER_RE.finditer(line):
        n = int(match.group(1))
        if n not in titles or any(a <= match.start() < b for a, b in quoted):
            continue
        out.append(_own_notes(esc(line[pos : match.start()])))
        out.append(f'<a class="cite" href="#{anchor}-src-{n}" title="{esc(titles[n])}">[{n}]</a>')
        pos = match.end()
    out.append(_own_notes(esc(line[pos:])))
    return "".join(out)


def render_text(text: str, citations: Sequence[Citation], anchor: str) -> str:
    """Answer text as paragraphs and lists, with linked [n] markers."""
    out: list[str] = []
    items: list[str] = []
    for line in text.split("\n"):
        body = _link_markers(line.removeprefix("- "), citations, anchor)
        if line.startswith("- "):
            items.append(f"<li>{body}</li>")
            continue
        if items:
            out.append(f"<ul>{''.join(items)}</ul>")
            items = []
        if line.strip():
            out.append(f"<p>{body}</p>")
    if items:
        out.append(f"<ul>{''.join(items)}</ul>")
    return "".join(out)


def _trim(text: str, keep: int, left: bool) -> str:
    """At most `keep` characters of context, cut at a word boundary, with an ellipsis."""
    if len(text) <= keep:
        return text
    if left:
        cut = text[-keep:]
        return "…" + cut[cut.find(" ") + 1 :] if " " in cut else "…" + cut
    cut = text[:keep]
    return (cut[: cut.rfind(" ")] if " " in cut else cut) + "…"


NOTE_TITLE = "a note mark of the article itself, not a source"


def _own_notes(escaped: str) -> str:
    """Escaped article text with the article's own note marks ("[1]" of its footnotes) set small and grey,
    so that they do not pass for the answer's links to sources (a user took them for citations)."""
    return re.sub(MARKER_PATTERN, lambda m: f'<span class="note-mark" title="{NOTE_TITLE}">{m[0]}</span>', escaped)


def render_passage(citation: Citation) -> str:
    """The cited passage with its supporting sentence highlighted."""
    text, a, b = citation.text, citation.sentence_start, citation.sentence_end
    if not 0 <= a < b <= len(text):
        return _own_notes(esc(_trim(text, 2 * CONTEXT_CHARS, left=False)))
    before = _own_notes(esc(_trim(text[:a], CONTEXT_CHARS, left=True)))
    after = _own_notes(esc(_trim(text[b:], CONTEXT_CHARS, left=False)))
    return f"{before}<mark>{_own_notes(esc(text[a:b]))}</mark>{after}"


def render_sources(answer: Answer, sources: Mapping[str, Mapping[str, Any]], anchor: str) -> str:
    """One card per citation: number, title, publisher and date (those the article states), its file, the
    passage with its sentence marked."""
    if not answer.citations:
        return ""
    closest = " closest" if answer.abstained else ""
    head = "Closest matches — not an answer" if answer.abstained else "Sources"
    cards = []
    for c in answer.citations:
        info = sources.get(c.source, {})
        title = info.get("title") or c.title or c.source
        # what the article states of itself (a documentation page states neither: no line of "not stated")
        meta = [str(info[k]) for k in ("publisher", "date") if info.get(k)] + [c.source]
        meta += [f"page {c.page}"] if c.page else []
        meta += ["the article's details"] if c.card else []
        cards.append(
            f'<div class="source{closest}" id="{anchor}-src-{c.marker}">'
            f'<div><span class="source-num">{c.marker}</span><span class="source-title">{esc(title)}</span></div>'
            + (f'<div class="source-section">{esc(c.section)}</div>' if c.section else "")
            + f'<div class="source-meta">{" · ".join(esc(m) for m in meta)}</div>'
            f'<blockquote class="passage">{render_passage(c)}</blockquote></div>'
        )
    return f'<div class="sources"><div class="sources-head">{head}</div>{"".join(cards)}</div>'


def _seconds(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def chat_text(answer: Answer) -> str:
    """The answer's text as the chat shows it: a refusal says only that the articles do not cover it,
    since its closest matches follow as greyed cards (the Python API's text lists them, having no cards)."""
    if answer.abstained and answer.citations:
        return answer.text.split(f"\n{CLOSEST_MATCHES}", 1)[0]
    return answer.text


def render_answer(
    answer: Answer, sources: Mapping[str, Mapping[str, Any]], anchor: str, shown: str | None = None
) -> str:
    """An answer message: text with linked markers; once complete, its sources and timings."""
    text = chat_text(answer)
    if ui_timeline.is_timeline(answer):  # shown whole: a chart does not stream
        shown = None
        body = ui_timeline.render_timeline(answer, anchor, lambda line: _link_markers(line, answer.citations, anchor))
    else:
        body = render_text(text if shown is None else shown, answer.citations, anchor)
    if answer.notices:
        body = "".join(f'<p class="notice">{esc(n)}</p>' for n in answer.notices) + body
    if shown is not None and shown != text:
        return f'<div class="answer">{body}</div>'
    timing = (
        f'<div class="timing">retrieval {_seconds(answer.timings.get("retrieval_s"))} · '
        f"answer {_seconds(answer.timings.get('answer_s'))}</div>"
    )
    return f'<div class="answer">{body}{render_sources(answer, sources, anchor)}{timing}</div>'


def partial_texts(text: str) -> list[str]:
    """Growing prefixes of an answer, one more sentence (or line) each, ending with the whole text."""
    cuts = [m.end() for m in _PIECE_END.finditer(text)]
    prefixes = [text[:c].rstrip() for c in cuts if text[:c].strip()]
    return [*dict.fromkeys(prefixes), text] if text not in prefixes else list(dict.fromkeys(prefixes))


def answer_dict(answer: Answer, sources: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """An answer as plain JSON for the API: text, abstained, citations (with publisher and date), timings,
    notices, kind ("answer" or "timeline") and, for a timeline, the ISO date of each citation's event."""
    citations = []
    for c in answer.citations:
        info = sources.get(c.source, {})
        citations.append({**c.to_dict(), "publisher": info.get("publisher"), "date": info.get("date")})
    return {
        "question": answer.question,
        "text": answer.text,
        "abstained": answer.abstained,
        "citations": citations,
        "timings": dict(answer.timings),
        "notices": list(answer.notices),
        "kind": answer.kind,
        "dates": list(answer.dates),
    }
