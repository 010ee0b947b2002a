"""The chat front end: a Gradio app over an Assistant, with cited answers and their sources."""

from __future__ import annotations

import html
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from .. import inputs
from ..answer.writer import CLOSEST_MATCHES
from ..errors import AssistantError
from ..ingest.sentences import is_statement, sentence_spans
from ..patterns import MARKER_PATTERN, MARKER_RE
from ..records import Answer, Citation, Turn
from . import ui_timeline

if TYPE_CHECKING:
    import gradio as gr

    from ..core import Assistant

TITLE = "Ask the articles"
PENDING = "Searching the articles…"
STREAM_PAUSE_S = 0.12  # long enough to see the answer arrive sentence by sentence, short enough not to annoy
CONTEXT_CHARS = 260  # passage text shown on each side of the highlighted sentence
EXAMPLES = 4

# Boundaries at which a partial answer may be shown: after a citation marker, or at a line break.
_PIECE_END = re.compile(MARKER_PATTERN + r"(?=\s)|\n")
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

CSS = (files(__package__) / "ui.css").read_text(encoding="utf-8")
# The page scrolls, not the chat: a new question is kept at the top of the window while its answer grows
# below it (as far as the page can scroll), until the answer is complete.
HEAD = """<script>
(() => {
  let asked = 0, pending = -1;  // questions seen; the one whose answer is still arriving (looked up afresh)
  new MutationObserver(() => {
    const questions = document.querySelectorAll("#chat .question");
    if (questions.length > asked) pending = questions.length - 1;
    asked = questions.length;
    const question = questions[pending];
    if (!question) return;
    (question.closest(".message-row") || question).scrollIntoView({block: "start"});
    if (document.querySelectorAll("#chat .timing, #chat .error").length >= asked) pending = -1;
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
</script>"""


# --- rendering: every string from a user or an article goes through html.escape first ---


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def render_user(question: str) -> str:
    """A user's message as literal text."""
    return f'<p class="question">{_esc(question)}</p>'


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
        out.append(_esc(line[pos : match.start()]))
        out.append(f'<a class="cite" href="#{anchor}-src-{n}" title="{_esc(titles[n])}">[{n}]</a>')
        pos = match.end()
    out.append(_esc(line[pos:]))
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


def render_passage(citation: Citation) -> str:
    """The cited passage with its supporting sentence highlighted."""
    text, a, b = citation.text, citation.sentence_start, citation.sentence_end
    if not 0 <= a < b <= len(text):
        return _esc(_trim(text, 2 * CONTEXT_CHARS, left=False))
    before = _esc(_trim(text[:a], CONTEXT_CHARS, left=True))
    after = _esc(_trim(text[b:], CONTEXT_CHARS, left=False))
    return f"{before}<mark>{_esc(text[a:b])}</mark>{after}"


def render_sources(answer: Answer, sources: Mapping[str, Mapping[str, Any]], anchor: str) -> str:
    """One card per citation: number, title, publisher and date, the passage with its sentence marked."""
    if not answer.citations:
        return ""
    closest = " closest" if answer.abstained else ""
    head = "Closest matches — not an answer" if answer.abstained else "Sources"
    cards = []
    for c in answer.citations:
        info = sources.get(c.source, {})
        title = info.get("title") or c.title or c.source
        publisher = info.get("publisher") or "publisher not stated"
        date = info.get("date") or "date not stated"
        meta = [str(publisher), str(date), c.source]
        cards.append(
            f'<div class="source{closest}" id="{anchor}-src-{c.marker}">'
            f'<div><span class="source-num">{c.marker}</span><span class="source-title">{_esc(title)}</span></div>'
            f'<div class="source-meta">{" · ".join(_esc(m) for m in meta)}</div>'
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
        body = "".join(f'<p class="notice">{_esc(n)}</p>' for n in answer.notices) + body
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


# --- what the app needs from the assistant ---


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


def _topics(text: str) -> Iterator[tuple[str, bool]]:
    """Capitalised phrases of `text`, each with whether the text says "the" before it."""
    for match in _PHRASE.finditer(text):
        words = match.group(0).split(" ")
        with_the = text[max(0, match.start() - 4) : match.start()].lower() == "the "
        while words and words[0] in _LEADING:
            with_the = words.pop(0) == "The"
        if len(words) >= 2 and words[-1] not in {"and", "of", "for", "the"}:
            yield " ".join(words), with_the


def turns_from(history: Any) -> list[Turn]:
    """Conversation turns from API input (inputs.turns: the Python API's own check and message)."""
    return inputs.turns(history)


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


# --- the app ---


def build_app(
    bot: Assistant, examples: Sequence[str] | None = None, validate: Callable[..., Any] | None = None
) -> gr.Blocks:
    """The chat app over `bot`: streaming cited answers, article filter, and an `/ask` API endpoint.

    `validate` checks `/ask`'s inputs before the call is queued (Gradio answers 422 when it fails).
    """
    import gradio as gr

    sources = bot.sources
    if examples is None:
        examples = example_questions(bot)
    known = set(sources)

    def pick(selected: Sequence[str] | None) -> list[str] | None:
        """The chat's own filter box offers only indexed names; an empty choice searches everything."""
        chosen = [s for s in selected or [] if s in known]
        return chosen or None

    def respond(
        message: str, chat: list[dict[str, Any]], turns: list[Turn], selected: list[str] | None
    ) -> Iterator[tuple[str, list[dict[str, Any]], list[Turn]]]:
        """Stream one answer into the chat, then its sources and timings."""
        chat = list(chat or [])
        turns = list(turns or [])
        if not (message or "").strip():
            yield "", chat, turns
            return
        chat.append({"role": "user", "content": render_user(message)})
        yield "", [*chat, {"role": "assistant", "content": f'<p class="pending">{PENDING}</p>'}], turns
        try:
            answer = bot.ask(message, history=turns, sources=pick(selected))
        except AssistantError as exc:
            yield "", [*chat, {"role": "assistant", "content": f'<p class="error">{_esc(str(exc))}</p>'}], turns
            return
        anchor = f"a{sum(1 for m in chat if m.get('role') == 'assistant') + 1}"
        parts = [chat_text(answer)] if ui_timeline.is_timeline(answer) else partial_texts(chat_text(answer))
        for shown in parts[:-1]:
            yield "", [*chat, {"role": "assistant", "content": render_answer(answer, sources, anchor, shown)}], turns
            time.sleep(STREAM_PAUSE_S)
        chat.append({"role": "assistant", "content": render_answer(answer, sources, anchor)})
        turns += [Turn("user", answer.question or message), Turn("assistant", answer.text)]
        yield "", chat, turns

    def ask(
        question: str, sources_filter: list[str] | None = None, history: list[dict[str, str]] | None = None
    ) -> dict[str, Any]:
        """Answer a question from the articles: text with [n] markers, abstained, citations, timings.

        `history` is the conversation so far, oldest first: [{"role": "user" | "assistant", "content": ...}].
        """
        try:
            answer = bot.ask(question, history=turns_from(history), sources=sources_filter or None)
        except AssistantError as exc:
            raise gr.Error(str(exc)) from None
        return answer_dict(answer, sources)

    def fill(evt: gr.SelectData) -> str:
        """The clicked example's text, into the box."""
        value = evt.value
        return str(value.get("text", "")) if isinstance(value, dict) else str(value)

    # Gradio finds the event-data parameter by its type; postponed annotations hide it (gr is a local name).
    fill.__annotations__["evt"] = gr.SelectData

    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(
            f"## {TITLE}\nAnswers are built from the articles' own sentences; every **[n]** links to its source."
        )
        chatbot = gr.Chatbot(
            elem_id="chat",
            label="Conversation",
            show_label=False,
            height=None,  # the page scrolls (ui.css): a long answer is read like a page, not in an inner box
            min_height="calc(100vh - 220px)",  # the start screen fills the window, the question box at its foot
            autoscroll=False,  # HEAD brings each new question to the top of the window instead
            render_markdown=False,  # messages are HTML built here from escaped text, nothing else is parsed
            sanitize_html=True,
            feedback_options=None,
            buttons=[],  # copy would copy the message's HTML, share uploads to Hugging Face
            examples=[{"text": q} for q in examples] or None,
            placeholder=f"**Ask a question about the {len(sources)} indexed articles.**",
        )
        with gr.Row(equal_height=True, elem_id="ask-row"):
            box = gr.Textbox(
                placeholder="Ask a question…", show_label=False, scale=8, autofocus=True, elem_id="question"
            )
            send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="send")
            clear = gr.Button("New conversation", scale=1, min_width=180, elem_id="clear")
        with gr.Accordion("Search only some articles", open=False):
            chosen = gr.Dropdown(
                choices=article_choices(bot),
                multiselect=True,
                show_label=False,
                info="Leave empty to search all articles.",
                elem_id="filter",
            )
        turns = gr.State([])

        io = {"inputs": [box, chatbot, turns, chosen], "outputs": [box, chatbot, turns], "api_visibility": "private"}
        box.submit(respond, **io)  # type: ignore[arg-type]
        send.click(respond, **io)  # type: ignore[arg-type]
        chatbot.example_select(fill, None, box, api_visibility="private").then(respond, **io)  # type: ignore[arg-type]
        clear.click(lambda: ("", [], []), None, [box, chatbot, turns], api_visibility="private")
        gr.api(ask, api_name="ask")
    if validate is not None:  # gr.api takes no validator argument; the event function behind it does
        next(f for f in demo.fns.values() if f.api_name == "ask").validator = validate
    return demo
