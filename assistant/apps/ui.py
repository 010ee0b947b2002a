"""The chat front end: a Gradio app over an Assistant, with cited answers and their sources."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from .. import inputs
from ..errors import AssistantError
from ..records import Turn
from . import ui_timeline
from .ui_examples import article_choices, example_questions
from .ui_render import answer_dict, chat_text, esc, partial_texts, render_answer, render_user

if TYPE_CHECKING:
    import gradio as gr

    from ..core import Assistant

TITLE = "Ask the articles"
PENDING = "Searching the articles…"
STREAM_PAUSE_S = 0.12  # long enough to see the answer arrive sentence by sentence, short enough not to annoy
EMPTY_HINT = "Type a question first."
# "New conversation": back to the top of the page, the cursor in the question box.
FRESH_START = "() => { window.scrollTo(0, 0); document.querySelector('#question textarea')?.focus(); }"


CSS = (files(__package__) / "ui.css").read_text(encoding="utf-8")
# The page scrolls, not the chat: a new question is kept at the top of the window while its answer grows
# below it (as far as the page can scroll), until the answer is complete.
HEAD = """<script>
(() => {
  let asked = 0, pending = -1;  // questions seen; the one whose answer is still arriving (looked up afresh)
  new MutationObserver(() => {
    // Gradio labels each message with its HTML source ("user's message: <p class=…"): a screen reader read
    // the tags out. Label it with its text instead.
    for (const el of document.querySelectorAll("#chat [aria-label*='<'], #chat [aria-label$=': ']")) {
      const label = el.getAttribute("aria-label");
      const who = label.startsWith("user") || label.startsWith("Your") ? "Your question: " : "Answer: ";
      el.setAttribute("aria-label", who + el.textContent.replace(/\s+/g, " ").trim().slice(0, 500));
    }
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


# --- what the app needs from the assistant ---


def turns_from(history: Any) -> list[Turn]:
    """Conversation turns from API input (inputs.turns: the Python API's own check and message)."""
    return inputs.turns(history)


# --- the app ---


def build_app(
    bot: Assistant,
    examples: Sequence[str] | None = None,
    validate: Callable[..., Any] | None = None,
    busy: Callable[[], AbstractContextManager[object]] = nullcontext,
) -> gr.Blocks:
    """The chat app over `bot`: streaming cited answers, article filter, and an `/ask` API endpoint.

    `validate` checks `/ask`'s inputs before the call is queued (Gradio answers 422 when it fails);
    `busy` is entered while an answer is computed (a stopping server waits for them).
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
    ) -> Iterator[tuple[list[dict[str, Any]], list[Turn]]]:
        """Stream one answer into the chat, then its sources and timings."""
        chat = list(chat or [])
        turns = list(turns or [])
        if not (message or "").strip():
            gr.Info(EMPTY_HINT)
            yield chat, turns
            return
        chat.append({"role": "user", "content": render_user(message)})
        yield [*chat, {"role": "assistant", "content": f'<p class="pending">{PENDING}</p>'}], turns
        try:
            with busy():
                answer = bot.ask(message, history=turns, sources=pick(selected))
        except AssistantError as exc:
            yield [*chat, {"role": "assistant", "content": f'<p class="error">{esc(str(exc))}</p>'}], turns
            return
        anchor = f"a{sum(1 for m in chat if m.get('role') == 'assistant') + 1}"
        parts = [chat_text(answer)] if ui_timeline.is_timeline(answer) else partial_texts(chat_text(answer))
        for shown in parts[:-1]:
            yield [*chat, {"role": "assistant", "content": render_answer(answer, sources, anchor, shown)}], turns
            time.sleep(STREAM_PAUSE_S)
        if answer.question and answer.question != message:  # cut to length: show which part was answered
            chat[-1] = {"role": "user", "content": render_user(message, answer.question)}
        chat.append({"role": "assistant", "content": render_answer(answer, sources, anchor)})
        turns += [Turn("user", answer.question or message), Turn("assistant", answer.text)]
        yield chat, turns

    def ask(
        question: str, sources_filter: list[str] | None = None, history: list[dict[str, str]] | None = None
    ) -> dict[str, Any]:
        """Answer a question from the articles: text with [n] markers, abstained, citations, timings.

        `history` is the conversation so far, oldest first: [{"role": "user" | "assistant", "content": ...}].
        """
        try:
            with busy():
                answer = bot.ask(question, history=turns_from(history), sources=sources_filter or None)
        except AssistantError as exc:
            raise gr.Error(str(exc)) from None
        return answer_dict(answer, bot.sources)  # as indexed now: a re-index may change them

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
            min_height="calc(100vh - 280px)",  # the start screen fills the window; the box and the filter below
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
        # The question on its way: the browser moves it here and empties the box at once, with no call to the
        # server (so what the user types next is kept); then the queued answer reads it from here.
        asked = gr.Textbox(visible=False, elem_id="asked")

        io = {"inputs": [asked, chatbot, turns, chosen], "outputs": [chatbot, turns], "api_visibility": "private"}
        hand_on = {"inputs": [box], "outputs": [box, asked], "js": "(m) => ['', m]", "api_visibility": "private"}
        box.submit(None, **hand_on).then(respond, **io)  # type: ignore[arg-type]
        send.click(None, **hand_on).then(respond, **io)  # type: ignore[arg-type]
        chatbot.example_select(fill, None, asked, api_visibility="private").then(respond, **io)  # type: ignore[arg-type]
        clear.click(lambda: ("", [], []), None, [box, chatbot, turns], api_visibility="private", js=FRESH_START)
        gr.api(ask, api_name="ask")
    if validate is not None:  # gr.api takes no validator argument; the event function behind it does
        next(f for f in demo.fns.values() if f.api_name == "ask").validator = validate
    return demo
