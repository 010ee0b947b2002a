"""Many people chatting at once: concurrent multi-turn conversations against the real chat server.

    python -m assistant.measure.loadtest --conversations 50 --turns 3            # starts a server on loopback
    python -m assistant.measure.loadtest --url http://127.0.0.1:7860/ ...        # or uses a running one (or several)
    python -m assistant.measure.loadtest --servers 2 --store postgresql://…      # two servers sharing one database

Every conversation is a thread with its own connection; each turn sends the history so far to
`POST /api/ask` (or, with `--via gradio`, to Gradio's `/ask` through its queue). A reply "busy,
try again in a moment" is counted and asked again after a pause. With several servers, conversation
n talks to server n mod N throughout. Reports answers/s, errors, busy replies, invalid citations,
latency percentiles (from the first try to the answer) and the answers each server gave.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from ..patterns import MARKER_RE
from .chat_processes import free_port, start_servers, stop_servers, wait_until_up  # noqa: F401  # re-exported
from .metrics import percentile

BUSY_PAUSE_S = 1.0  # what the server's Retry-After asks for
# Used when there is no gold set: questions that fit most news collections; follow-ups lean on them.
GENERIC = [
    ["What is this collection of articles about?", "Who is mentioned most?", "And when did that happen?"],
    ["What figures do the articles give?", "Which year was that?", "What changed after that?"],
]


@dataclass
class LoadReport:
    conversations: int
    turns: int
    answers: int = 0
    errors: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)  # answers whose citations do not check out
    latencies_s: list[float] = field(default_factory=list)  # from the first try to the answer
    busy: int = 0  # replies "busy, try again in a moment"; the conversation asked again
    wall_s: float = 0.0
    by_server: dict[str, int] = field(default_factory=dict)  # answers each server gave

    def summary(self) -> dict[str, Any]:
        lat = self.latencies_s
        return {
            "conversations": self.conversations,
            "turns_each": self.turns,
            "answers": self.answers,
            "errors": len(self.errors),
            "invalid_citations": len(self.invalid),
            "busy_replies": self.busy,
            "latency_p50_ms": round(1000 * percentile(lat, 50), 1) if lat else None,
            "latency_p95_ms": round(1000 * percentile(lat, 95), 1) if lat else None,
            "latency_max_ms": round(1000 * max(lat), 1) if lat else None,
            "latency_mean_ms": round(1000 * statistics.fmean(lat), 1) if lat else None,
            "answers_per_s": round(self.answers / self.wall_s, 2) if self.wall_s else None,
            "wall_s": round(self.wall_s, 2),
            "answers_by_server": dict(self.by_server),
        }


def citation_problems(result: dict[str, Any]) -> list[str]:
    """What is wrong with an answer's markers and citations (empty when all is well)."""
    problems = []
    citations = result.get("citations") or []
    numbers = [c.get("marker") for c in citations]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"citations numbered {numbers}")
    markers = {int(m) for m in MARKER_RE.findall(result.get("text", ""))}
    if markers - set(numbers):
        problems.append(f"markers without a citation: {sorted(markers - set(numbers))}")
    for c in citations:
        a, b, text = c.get("sentence_start", -1), c.get("sentence_end", -1), c.get("text", "")
        if not (0 <= a < b <= len(text)):
            problems.append(f"citation {c.get('marker')}: sentence offsets {a}:{b} outside its passage")
    if not result.get("abstained") and not citations:
        problems.append("an answer without citations")
    return problems


def conversations_from_gold(path: Path) -> list[list[str]]:
    """The gold set's conversations (questions in turn order), then its single questions."""
    if not path.exists():
        return GENERIC
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    convs: dict[str, list[tuple[int, str]]] = {}
    singles = []
    for item in items:
        if item.get("conversation"):
            convs.setdefault(item["conversation"], []).append((item.get("turn") or 0, item["question"]))
        else:
            singles.append(item["question"])
    out = [[q for _, q in sorted(turns)] for turns in convs.values()]
    out += [singles[i : i + 3] for i in range(0, len(singles) - 2, 3)]
    return out or GENERIC


class Busy(Exception):
    """The server said it is busy (503): try again after a moment."""


class _Connection:
    """A keep-alive HTTP connection of one conversation (the standard library's client: the load
    generator shares the machine with the server, so it should cost little), logged in if asked."""

    def __init__(self, url: str, auth: tuple[str, str] | None, timeout_s: float) -> None:
        import http.client
        import urllib.parse

        parts = urllib.parse.urlsplit(url)
        self.base = parts.path.rstrip("/")
        self.http = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout_s)
        self.headers: dict[str, str] = {}
        if auth is not None:
            form = urllib.parse.urlencode({"username": auth[0], "password": auth[1]}).encode()
            status, data = self.call("POST", "login", form, "application/x-www-form-urlencoded")
            if status != 200:
                raise RuntimeError(f"login: HTTP {status}: {data[:200]!r}")

    def call(
        self, method: str, path: str, body: bytes | None = None, kind: str = "application/json"
    ) -> tuple[int, bytes]:
        headers = {**self.headers, "Content-Type": kind} if body is not None else self.headers
        self.http.request(method, f"{self.base}/{path}", body=body, headers=headers)
        response = self.http.getresponse()
        cookies = [c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []]
        if cookies:
            self.headers["Cookie"] = "; ".join(cookies)
        return response.status, response.read()


def _json_asker(url: str, auth: tuple[str, str] | None, timeout_s: float) -> Callable[..., dict[str, Any]]:
    """One conversation asking `POST /api/ask`."""
    connection = _Connection(url, auth, timeout_s)

    def ask(question: str, history: list[dict[str, str]]) -> dict[str, Any]:
        body = json.dumps({"question": question, "history": history}).encode()
        status, data = connection.call("POST", "api/ask", body)
        if status == 503:
            raise Busy(json.loads(data).get("detail", "busy"))
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {data[:200]!r}")
        return dict(json.loads(data))

    return ask


def _gradio_asker(url: str, auth: tuple[str, str] | None, timeout_s: float) -> Callable[..., dict[str, Any]]:
    """One conversation asking Gradio's `/ask` through the chat's queue: `POST /gradio_api/call/ask`,
    then its event stream (what gradio_client does, without its cost on the load generator's side)."""
    connection = _Connection(url, auth, timeout_s)

    def ask(question: str, history: list[dict[str, str]]) -> dict[str, Any]:
        body = json.dumps({"data": [question, None, history]}).encode()
        status, data = connection.call("POST", "gradio_api/call/ask", body)
        if status == 503:
            raise Busy(json.loads(data).get("detail", "busy"))
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {data[:200]!r}")
        status, stream = connection.call("GET", f"gradio_api/call/ask/{json.loads(data)['event_id']}")
        event = ""
        for line in stream.decode().splitlines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                payload = json.loads(line[5:])
                if event == "error":
                    raise RuntimeError(f"error event: {payload}")
                return dict(payload[0])
        raise RuntimeError(f"HTTP {status}: no answer in the event stream: {stream[:200]!r}")

    return ask


VIA = {"api": _json_asker, "gradio": _gradio_asker}


def run_load(
    url: str | Sequence[str],
    conversations: int,
    turns: int,
    scripts: Sequence[Sequence[str]],
    timeout_s: float = 600.0,
    auth: tuple[str, str] | None = None,
    via: str = "api",
    think_s: float = 0.0,
    request_timeout_s: float = 60.0,
) -> LoadReport:
    """Run the conversations at once (one thread each; conversation n on server n mod len(url)) and
    collect what happened.

    A conversation told the server is busy waits a moment and asks again (counted in `busy`);
    `think_s` is the pause between an answer and the next question, as a reader would take.
    """
    urls = [url] if isinstance(url, str) else list(url)
    report = LoadReport(conversations, turns, by_server=dict.fromkeys(urls, 0))
    lock = threading.Lock()
    deadline = time.monotonic() + timeout_s
    connect = VIA[via]

    def converse(n: int) -> None:
        script = list(scripts[n % len(scripts)])
        while len(script) < turns:
            script += list(scripts[(n + len(script)) % len(scripts)])
        history: list[dict[str, str]] = []
        where = urls[n % len(urls)]
        try:
            ask = connect(where, auth, request_timeout_s)
        except Exception as exc:
            with lock:
                report.errors.append(f"conversation {n}: connect: {exc}")
            return
        for turn, question in enumerate(script[:turns]):
            if turn and think_s:
                time.sleep(think_s)
            start = time.perf_counter()
            while True:
                if time.monotonic() > deadline:
                    with lock:
                        report.errors.append(f"conversation {n}: out of time")
                    return
                try:
                    result = ask(question, history)
                    break
                except Busy:
                    with lock:
                        report.busy += 1
                    time.sleep(BUSY_PAUSE_S)
                except Exception as exc:
                    with lock:
                        report.errors.append(f"conversation {n}: {question!r}: {exc}")
                    return
            elapsed = time.perf_counter() - start
            problems = citation_problems(result)
            with lock:
                report.answers += 1
                report.by_server[where] += 1
                report.latencies_s.append(elapsed)
                if problems:
                    report.invalid.append(f"conversation {n}: {question!r}: {'; '.join(problems)}")
            history += [{"role": "user", "content": question}, {"role": "assistant", "content": result["text"]}]

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=conversations) as pool:
        futures = [pool.submit(converse, n) for n in range(conversations)]
        _done, pending = wait(futures, timeout=timeout_s + 30)
        for f in pending:
            f.cancel()
    report.wall_s = time.perf_counter() - start
    return report


@click.command()
@click.option("--conversations", default=50, show_default=True, type=click.IntRange(1, 500))
@click.option("--turns", default=3, show_default=True, type=click.IntRange(1, 20))
@click.option("--url", "urls", multiple=True, help="A running chat server, or several (default: start them here).")
@click.option("--servers", default=1, show_default=True, type=click.IntRange(1, 16),
              help="Chat servers to start on 127.0.0.1, each in its own process.")  # fmt: skip
@click.option("--store", default=None, help="The index the started servers share (postgresql://…).")
@click.option("--timeout", "timeout_s", default=600.0, show_default=True, help="Give up after this many seconds.")
@click.option("--gold", type=click.Path(path_type=Path), default=None, help="Where the questions come from.")
@click.option("--via", type=click.Choice(sorted(VIA)), default="api", show_default=True,
              help="api: POST /api/ask (JSON); gradio: Gradio's /ask through the chat's queue.")  # fmt: skip
@click.option("--think", "think_s", default=0.0, show_default=True, help="Seconds between answer and next question.")
def main(
    conversations: int,
    turns: int,
    urls: tuple[str, ...],
    servers: int,
    store: str | None,
    timeout_s: float,
    gold: Path | None,
    via: str,
    think_s: float,
) -> None:
    """Run concurrent multi-turn conversations against chat servers and report errors and latency."""
    from ..settings import PROJECT_ROOT

    scripts = conversations_from_gold(gold or PROJECT_ROOT / "eval" / "news" / "gold.jsonl")
    started = [] if urls else start_servers(servers, store)  # as users would run them
    try:
        where = list(urls) or [u for u, _ in started]
        report = run_load(where, conversations, turns, scripts, timeout_s, via=via, think_s=think_s)
    finally:
        stop_servers(started)
    click.echo(json.dumps(report.summary(), indent=2))
    for line in (report.errors + report.invalid)[:20]:
        click.echo(f"  {line}", err=True)
    if report.errors or report.invalid:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
