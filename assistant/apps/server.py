"""The chat server: the Gradio chat and a JSON API in one process, behind the guards.

- `GET /` is the chat (Gradio); `POST /api/ask` answers programs with plain JSON; `GET /api/health`
  says whether the index can answer (`health.py`).
- Answers run in a bounded pool: `RUNNING` at once and `WAITING` more in line. A request beyond
  that is told at once "busy, try again in a moment" (503, `Retry-After`), never left to time out.
  The chat's own queue is bounded the same way (Gradio answers 503 when it is full).
- Every request passes `guards.Guard` first: Host check, no uploads, login throttling; each one under
  `/api/` is logged in one line (`access_log.py`), never with its question or answer.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .. import inputs
from ..errors import AssistantError, InputError, QuestionError, StoreUnavailable
from . import access_log, guards

if TYPE_CHECKING:
    import gradio as gr
    from starlette.requests import Request
    from starlette.responses import Response

    from ..core import Assistant

logger = logging.getLogger(__name__)

BUSY = "busy, try again in a moment"
# Answers computed at once: one per core. The model and FAISS release the GIL, so the cores stay
# busy; more threads than cores only contend for it (on 2 cores: 4 threads ~100 answers/s, 2 ~115).
RUNNING = max(2, os.cpu_count() or 2)
WAITING = 256  # answers waiting their turn; one more is told the server is busy
CHAT_RUNNING = 16  # chat answers at once: most of their time is the pause between streamed sentences
CHAT_WAITING = 256
ASK_FIELDS = {"question", "sources", "history"}
T = TypeVar("T")


class Busy(Exception):
    """Every place in line is taken."""


class Admission:
    """At most `running` calls at once and `waiting` more in line; beyond that, `Busy` at once."""

    def __init__(self, running: int = RUNNING, waiting: int = WAITING) -> None:
        import anyio

        self._limiter = anyio.CapacityLimiter(running)
        self.capacity = running + waiting
        self.inside = 0  # only touched on the event loop's thread

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        import anyio.to_thread

        if self.inside >= self.capacity:
            raise Busy
        self.inside += 1
        try:
            return await anyio.to_thread.run_sync(fn, *args, limiter=self._limiter)
        finally:
            self.inside -= 1


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    from starlette.responses import JSONResponse

    return JSONResponse({"detail": message}, status_code=status, headers=headers)


BODY = '{"question": ..., "sources": [...], "history": [...]}'
# A request body larger than this is refused before it is read whole (a question is cut to 1,000
# characters anyway; a long conversation's history is a few hundred kilobytes at most).
MAX_BODY_BYTES = 1_000_000
TOO_LARGE = f"the request is over {MAX_BODY_BYTES:,} bytes: send the question and a shorter history"


def ask_endpoint(bot: Assistant, admission: Admission) -> Callable[[Request], Any]:
    """`POST /api/ask` {"question": str, "sources": [file names]?, "history": [{"role", "content"}]?}."""
    from starlette.responses import JSONResponse

    from .ui_render import answer_dict

    async def api_ask(request: Request) -> Response:
        if not logged_in(request):
            return _error(401, "log in first: POST /login with form fields username and password")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return _error(413, TOO_LARGE)
        raw = bytearray()
        async for part in request.stream():  # without a length (chunked), counted as it comes
            raw += part
            if len(raw) > MAX_BODY_BYTES:
                return _error(413, TOO_LARGE)
        try:
            body = json.loads(raw)
        except ValueError:
            return _error(400, f"the body must be JSON: {BODY}")
        if not isinstance(body, dict):
            return _error(400, f"the body must be a JSON object, not {type(body).__name__}")
        unknown = sorted(set(body) - ASK_FIELDS)
        if unknown:
            return _error(400, f"unknown fields: {', '.join(map(str, unknown))}; expected question, sources, history")
        if "question" not in body:
            return _error(400, f"missing field: question ({BODY})")
        question: Any = body["question"]  # checked by ask(), with the Python API's message
        try:
            answer = await admission.run(
                lambda: bot.ask(question, history=inputs.turns(body.get("history")), sources=body.get("sources"))
            )  # fmt: skip
        except Busy:
            return _error(503, BUSY, {"Retry-After": "1"})
        except StoreUnavailable as exc:  # the database is down or restarting: asking again may work
            return _error(503, str(exc), {"Retry-After": "5"})
        except AssistantError as exc:
            return _error(400 if isinstance(exc, InputError | QuestionError) else 500, str(exc))
        access_log.note(request.scope, refused=answer.abstained, citations=len(answer.citations))
        return JSONResponse(answer_dict(answer, bot.sources))  # as indexed now: a re-index may change them

    return api_ask


def logged_in(request: Request) -> bool:
    """True when the server needs no login, or the request carries the cookie Gradio's login set."""
    app = request.app
    if getattr(app, "auth", None) is None:
        return True
    token = request.cookies.get(f"access-token-{app.cookie_id}") or request.cookies.get(
        f"access-token-unsecure-{app.cookie_id}"
    )
    return app.tokens.get(token) is not None


def validator(known: Callable[[], Collection[str]]) -> Callable[..., tuple[dict[str, Any], ...]]:
    """Checks for Gradio's `/ask` inputs, run before the call is queued: a wrong one is answered 422.
    `known` gives the indexed articles' names as they are now (a re-index may add some)."""
    import gradio as gr

    def verdict(check: Callable[[], object]) -> dict[str, Any]:
        try:
            check()
        except AssistantError as exc:
            return dict(gr.validate(False, str(exc)))
        return dict(gr.validate(True, ""))

    def check(question: Any, sources_filter: Any = None, history: Any = None) -> tuple[dict[str, Any], ...]:
        return (
            verdict(lambda: inputs.question(question)),
            verdict(lambda: inputs.article_filter(sources_filter or None, known())),
            verdict(lambda: inputs.turns(history)),
        )

    return check


def read_auth_file(path: Path) -> list[tuple[str, str]]:
    """USER:PASSWORD lines of `path` (blank lines and # comments skipped); ValueError when none is valid."""
    pairs = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            pairs.append(parse_auth(line.strip()))
        except ValueError:
            raise ValueError(f"{path}, line {n}: expected USER:PASSWORD") from None
    if not pairs:
        raise ValueError(f"{path} holds no USER:PASSWORD line")
    return pairs


def auth_file_warning(path: Path) -> str | None:
    """A warning when other users of this computer may read the password file."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRGRP | stat.S_IROTH) and os.name == "posix":
        return f"{path} can be read by other users of this computer; chmod 600 it"
    return None


def parse_auth(value: str) -> tuple[str, str]:
    """USER:PASSWORD as a (user, password) pair; ValueError when a part is missing."""
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise ValueError("expected USER:PASSWORD")
    return user, password


def exposure_warnings(host: str, share: bool, auth: bool) -> list[str]:
    """What to tell the user when the chat can be reached from other machines."""
    warnings = []
    advice = "" if auth else "; consider --auth-file FILE"
    if share:
        warnings.append(
            "--share publishes the chat at a public gradio.live address; questions and answers pass "
            f"through Gradio's relay servers{advice}"
        )
    if not is_loopback(host):
        warnings.append(f"listening on {host}: other machines on the network can use the chat{advice}")
    return warnings


def is_loopback(host: str) -> bool:
    """True when `host` is only reachable from this computer."""
    if host == "localhost":
        return True
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def launch(
    bot: Assistant,
    host: str = "127.0.0.1",
    port: int = 7860,
    share: bool = False,
    auth: tuple[str, str] | list[tuple[str, str]] | None = None,
    block: bool = True,
    allowed_hosts: Sequence[str] = (),
    throttle: guards.LoginThrottle | None = None,
    admission: Admission | None = None,
    say: Callable[[str], None] | None = None,
    ready: Callable[[], None] | None = None,
) -> gr.Blocks:
    """Serve the chat and the JSON API; `block=False` returns once the server is up (tests). Blocking,
    it returns on SIGTERM or Ctrl-C once the requests in flight are answered (`shutdown.py`).

    Gradio prints nothing (its hints name launch() arguments a CLI user cannot set); `ready` is called
    once the server takes connections (the CLI prints the address then, not before); with `share`,
    `say` is told the public link, or that none could be made.
    """
    import gradio as gr
    from starlette.middleware import Middleware
    from starlette.routing import Route

    from . import shutdown
    from .access_log import AccessLog
    from .health import health_endpoint
    from .ui import CSS, HEAD, build_app

    requests = shutdown.InFlight()
    demo = build_app(bot, validate=validator(lambda: bot.sources), busy=requests.answering)
    demo.queue(default_concurrency_limit=CHAT_RUNNING, max_size=CHAT_WAITING)
    names = guards.machine_names(host, allowed_hosts)
    routes = [
        Route("/api/ask", ask_endpoint(bot, admission or Admission()), methods=["POST"]),
        Route("/api/health", health_endpoint(bot, logged_in), methods=["GET"]),
    ]
    middleware = [
        Middleware(shutdown.Counted, requests=requests),
        Middleware(AccessLog, routes=[route.path for route in routes]),
        Middleware(guards.Guard, names=names, share=share, throttle=throttle),  # type: ignore[arg-type]
    ]  # outermost first: a request counts until its line is logged; the guard's refusals are logged too
    demo.launch(
        server_name=host,
        server_port=port,
        share=share,
        auth=auth,
        prevent_thread_lock=True,  # blocked below, once the public link is told
        inbrowser=False,
        ssr_mode=False,  # no Node server: one process, nothing else listening
        pwa=False,
        mcp_server=False,
        show_error=True,
        quiet=True,  # the CLI prints the address itself; Gradio's hints name launch() arguments
        max_file_size=1,  # bytes: the app takes no files (the guard refuses the upload route first)
        app_kwargs={"routes": routes, "middleware": middleware},
        theme=gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"]),
        css=CSS,
        head=HEAD,
    )
    if ready is not None:
        ready()
    if share and say is not None:
        say(share_message(demo.share_url))
    if block:
        shutdown.serve_until_stopped(demo, requests)
    return demo


def share_message(url: str | None) -> str:
    """What to tell the user about the public link `--share` asked for."""
    if url:
        return f"Public link: {url} (anyone with it can use the chat while this runs)"
    return "warning: no public link could be made (Gradio's relay was not reachable); the chat is local only"
