"""The chat server as a team serves it, through real HTTP: its health check, its request log, and
how it stops."""

from __future__ import annotations

import logging
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from assistant import Assistant
from assistant.embed.embedding import HashingEmbedder
from assistant.measure.loadtest import free_port

from .conftest import serve_chat

USER, PASSWORD = "reader", "s3cret"
QUESTION = "When were diplomatic relations established?"
# A word no article holds, so that finding it in a log can only mean the question was written there.
MARKER = "Quetzalcoatlus"
LOGGER = "assistant.apps.access_log"


@pytest.fixture(scope="module")
def served(bot: Assistant) -> Iterator[str]:
    yield from serve_chat(bot)


# --- health ---


@pytest.mark.slow
def test_health_says_what_is_served_without_running_a_question(
    served: str, shipped_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_question(*args: object, **kwargs: object) -> None:
        raise AssertionError("the health check ran a question")

    for name in ("ask", "search", "summarize", "timeline", "_evidence"):
        monkeypatch.setattr(Assistant, name, no_question)
    r = httpx.get(served + "api/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "articles": 5, "index": str(shipped_index)}


@pytest.mark.slow
def test_health_tells_the_details_only_to_a_logged_in_client(bot: Assistant, shipped_index: Path) -> None:
    """A probe needs no login; the index's location (a folder, a database host) is for logged-in clients."""
    served = serve_chat(bot, auth=[(USER, PASSWORD)])
    url = next(served)
    try:
        with httpx.Client(base_url=url) as client:
            assert client.get("api/health").json() == {"status": "ok"}
            assert client.post("login", data={"username": USER, "password": PASSWORD}).status_code == 200
            assert client.get("api/health").json() == {"status": "ok", "articles": 5, "index": str(shipped_index)}
    finally:
        served.close()


@pytest.mark.postgres
def test_health_is_503_while_the_database_is_down_and_says_so_at_once(
    tiny_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database of its own, stopped under a running server: the health check says unavailable (503,
    Retry-After), and, the breaker having found it down, at once the next time."""
    pgserver = pytest.importorskip("pgserver", reason="the PostgreSQL tests need: pip install -e '.[postgres]'")
    from assistant.store import postgres as pg_store

    monkeypatch.setattr(pg_store, "_down", {})  # this test's own, not left to the next
    folder = Path(tempfile.mkdtemp(prefix="assistant-test-postgres-"))
    database = pgserver.get_server(folder / "data", cleanup_mode="stop")
    url = f"{database.get_uri()}&index=health"
    try:
        bot = Assistant(corpus_dir=tiny_corpus, store=url, embedder=HashingEmbedder())
        bot.index()
        served = serve_chat(bot)
        endpoint = next(served) + "api/health"
        try:
            r = httpx.get(endpoint)
            assert r.status_code == 200 and r.json() == {"status": "ok", "articles": 3, "index": url}
            database.cleanup()  # the database stops
            r = httpx.get(endpoint, timeout=30)
            assert r.status_code == 503 and r.headers["retry-after"] == "5"
            assert r.json()["status"] == "unavailable"
            assert r.json()["error"].startswith("the index's database is unavailable: ")
            start = time.perf_counter()
            assert httpx.get(endpoint).status_code == 503
            assert time.perf_counter() - start < 1.0
        finally:
            served.close()
    finally:
        database.cleanup()
        pool = pg_store._pools.pop(pg_store.parse_location(url)[0], None)
        if pool is not None:
            pool.close()
        shutil.rmtree(folder, ignore_errors=True)


# --- the request log ---


def _lines(caplog: pytest.LogCaptureFixture, count: int) -> list[str]:
    """The request log's lines, once there are `count` (a line is written just after its reply is sent)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and sum(r.name == LOGGER for r in caplog.records) < count:
        time.sleep(0.02)
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


@pytest.mark.slow
def test_each_api_request_is_one_log_line_without_its_question_or_answer(
    served: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="httpx")  # this test's client logs the URLs it asks for
    caplog.set_level(logging.INFO)  # (after: set_level sets the capturing handler's level too)
    answer = httpx.post(served + "api/ask", json={"question": QUESTION}, timeout=30).json()
    refused = httpx.post(served + "api/ask", json={"question": f"What do the articles say about {MARKER} eggs?"})
    assert not answer["abstained"] and refused.json()["abstained"]
    assert httpx.post(served + "api/ask", json={"question": 1}).status_code == 400
    assert httpx.get(served + "api/health").status_code == 200
    assert httpx.get(served + f"api/{MARKER}").status_code == 404  # a path is the client's text too
    assert httpx.get(served).status_code == 200  # the chat page is not an API request
    lines = _lines(caplog, 5)
    assert len(lines) == 5, lines
    cited = len(answer["citations"])
    assert cited > 0
    patterns = [
        rf"POST /api/ask 200 \d+ ms refused=false citations={cited}",
        rf"POST /api/ask 200 \d+ ms refused=true citations={len(refused.json()['citations'])}",  # closest matches
        r"POST /api/ask 400 \d+ ms",
        r"GET /api/health 200 \d+ ms",
        r"GET /api/… 404 \d+ ms",
    ]
    for line, pattern in zip(lines, patterns, strict=True):
        assert re.fullmatch(pattern, line), (line, pattern)
    written = "\n".join(r.getMessage() for r in caplog.records)
    assert QUESTION not in written and MARKER not in written and answer["text"][:40] not in written


class Chat:
    """`assistant chat` in a process of its own, its stderr read as it comes (a full pipe would stall it)."""

    def __init__(self, index: Path, *options: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        command = [sys.executable, "-m", "assistant", *options, "chat", "--index", str(index), "--port", str(self.port)]
        self.proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as from a terminal, even under `&`
        )
        self.lines: list[str] = []
        self.up = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self.up.wait(240):
            self.proc.kill()
            raise AssertionError(f"the chat did not start: {self.lines}")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith("Chat on "):
                self.up.set()
        self.up.set()

    def stop(self) -> int:
        """Its exit code once it has stopped (terminated if need be)."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


@pytest.mark.slow
def test_assistant_v_chat_writes_the_request_log_to_stderr(shipped_index: Path) -> None:
    chat = Chat(shipped_index, "-v")
    try:
        answer = httpx.post(chat.url + "api/ask", json={"question": QUESTION}, timeout=30).json()
        assert httpx.get(chat.url + "api/health").status_code == 200
        deadline = time.monotonic() + 5  # a line is written just after its reply is sent
        while time.monotonic() < deadline and sum(" /api/" in line for line in chat.lines) < 2:
            time.sleep(0.02)
    finally:
        chat.stop()
    logged = [line for line in chat.lines if " /api/" in line]
    assert len(logged) == 2, chat.lines
    cited = len(answer["citations"])
    assert re.fullmatch(rf"INFO: POST /api/ask 200 \d+ ms refused=false citations={cited}", logged[0])
    assert re.fullmatch(r"INFO: GET /api/health 200 \d+ ms", logged[1])
    written = "\n".join(chat.lines)
    assert QUESTION not in written and answer["text"][:40] not in written


# --- stopping ---


def _refused(url: str) -> bool:
    """Whether a new connection is not served: refused, or reset (one the kernel had queued as the server
    closed its listening socket)."""
    try:
        httpx.get(url + "api/health", timeout=2)
    except (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError):
        return True
    return False


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_stop_signal_lets_the_requests_in_flight_finish_then_exits_0(shipped_index: Path, stop: int) -> None:
    """Found by a team: requests in flight or waiting their turn when the server got SIGTERM were dropped.
    Now it stops taking connections, answers them, and exits 0; an open chat tab's heartbeat stream does
    not hold it up (Ctrl-C waited 5 s for it, then cut off whatever was still being answered)."""
    many = 150  # answered one per core at a time, the rest waiting their turn
    chat = Chat(shipped_index)
    finished: dict[int, tuple[object, float]] = {}
    sent = threading.Semaphore(0)
    connected = threading.Barrier(many + 1)

    def trace(event: str, info: object) -> None:
        if event == "http11.send_request_body.complete":
            sent.release()

    def ask(client: httpx.Client, n: int) -> None:
        try:
            client.get("api/health")  # its connection made first: the questions then go out at once
            connected.wait()
            question = f"Give me a timeline of trade and energy, part {n}"  # each its own work, ~50 ms
            r = client.post("api/ask", json={"question": question}, extensions={"trace": trace})
            reply: object = r.status_code
        except httpx.HTTPError as exc:
            reply = type(exc).__name__
        finished[n] = (reply, time.monotonic())

    def heartbeat() -> None:
        try:
            with httpx.stream("GET", chat.url + "gradio_api/heartbeat/tab", timeout=None) as r:
                for _ in r.iter_lines():
                    pass
        except httpx.HTTPError:
            pass

    limits = httpx.Limits(max_connections=many, max_keepalive_connections=many)
    try:
        threading.Thread(target=heartbeat, daemon=True).start()
        with httpx.Client(base_url=chat.url, limits=limits, timeout=60) as client, ThreadPoolExecutor(many) as pool:
            for n in range(many):
                pool.submit(ask, client, n)
            connected.wait(timeout=60)
            for _ in range(many):
                assert sent.acquire(timeout=60)
            time.sleep(1.0)  # and read by the server: a connection with no request yet is closed at once
            assert len(finished) < many
            chat.proc.send_signal(stop)
            refused_at = None
            while refused_at is None and chat.proc.poll() is None:
                if _refused(chat.url):
                    refused_at = time.monotonic()
                time.sleep(0.02)
        code = chat.proc.wait(timeout=30)
        exited_at = time.monotonic()
    finally:
        chat.stop()
    replies = [reply for reply, _ in finished.values()]
    last = max(at for _, at in finished.values())
    assert replies == [200] * many, replies
    assert refused_at is not None and refused_at < last  # no new connection while it still answered
    assert code == 0
    ours = ("Chat on ", "Preparing fast question embedding", "index: ")
    assert all(line.startswith(ours) for line in chat.lines), chat.lines  # no Gradio words, no traceback
    assert exited_at - last < 6.0  # not held by the heartbeat stream until DRAIN_S (Python's exit takes ~2 s)
