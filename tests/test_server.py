"""The chat server through real HTTP: what it exposes, what it refuses, and how it says busy."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import ClassVar

import httpx
import pytest
from click.testing import CliRunner

from assistant import Assistant
from assistant.apps import cli
from assistant.apps import server as chat_server
from assistant.apps.guards import LoginThrottle, host_of
from assistant.errors import InputError
from assistant.measure.loadtest import free_port

from .conftest import serve_chat

USER, PASSWORD = "reader", "s3cret"
QUESTION = "When were diplomatic relations established?"


@pytest.fixture(scope="module")
def open_server(bot: Assistant) -> Iterator[str]:
    yield from serve_chat(bot, allowed_hosts=["chat.example.internal"])


@pytest.fixture(scope="module")
def locked_server(bot: Assistant) -> Iterator[str]:
    throttle = LoginThrottle(free=2, delay_s=0.1, max_delay_s=0.4, lock_after=10, lock_s=60)
    yield from serve_chat(bot, auth=[(USER, PASSWORD)], throttle=throttle)


# --- what is refused ---


@pytest.mark.slow
def test_uploads_are_refused_before_a_byte_is_stored(open_server: str, tmp_path: Path) -> None:
    from gradio.utils import get_upload_folder

    folder = Path(get_upload_folder())
    before = set(folder.rglob("*")) if folder.exists() else set()
    big = tmp_path / "big.bin"
    big.write_bytes(b"\0" * 5_000_000)
    for origin in (None, "http://evil.example"):
        headers = {"Origin": origin} if origin else {}
        with big.open("rb") as f:
            r = httpx.post(open_server + "gradio_api/upload", files={"files": f}, headers=headers)
        assert r.status_code == 403 and r.json() == {"detail": "this server takes no uploads"}
    after = set(folder.rglob("*")) if folder.exists() else set()
    assert after == before


@pytest.mark.slow
def test_a_foreign_host_name_is_refused(open_server: str) -> None:
    port = httpx.URL(open_server).port
    for host in ("evil.example", f"evil.example:{port}", "localhost.evil.example"):
        r = httpx.get(open_server, headers={"Host": host})
        assert r.status_code == 400, host
        assert "does not answer to the name" in r.json()["detail"]
    r = httpx.post(open_server + "api/ask", json={"question": QUESTION}, headers={"Host": "evil.example"})
    assert r.status_code == 400  # the API too: a rebound page cannot read the articles
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "chat.example.internal"):
        assert httpx.get(open_server, headers={"Host": host}).status_code == 200, host


def test_host_header_parsing() -> None:
    def scope(host: bytes) -> dict[str, object]:
        return {"headers": [(b"host", host)]}

    assert host_of(scope(b"LocalHost:7860")) == "localhost"
    assert host_of(scope(b"[::1]:7860")) == "[::1]"
    assert host_of(scope(b"example.org")) == "example.org"
    assert host_of({"headers": []}) is None


@pytest.mark.slow
def test_calls_that_skip_the_queue_are_closed(open_server: str) -> None:
    for path in ("gradio_api/run/ask", "gradio_api/api/ask"):
        r = httpx.post(open_server + path, json={"data": [QUESTION, None, None]})
        assert r.status_code == 404 and "POST /api/ask" in r.json()["detail"], path
    # Found by a programmer: the route schemas (login and upload routes included) and the monitoring page.
    for path in ("openapi.json", "gradio_api/openapi.json", "monitoring", "gradio_api/monitoring"):
        assert httpx.get(open_server + path).status_code == 404, path
    assert httpx.get(open_server + "gradio_api/info").status_code == 200  # what gradio_client reads stays


@pytest.mark.slow
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"question": 123}, "a question is a string, not int"),
        ({"question": [1]}, "a question is a string, not list"),
        ({"question": QUESTION, "history": [{"a": 1}]}, "history items must be"),
        ({"question": QUESTION, "history": [{"role": "system", "content": "x"}]}, "history items must be"),
        ({"question": QUESTION, "history": "hello"}, "history items must be"),
        ({"question": QUESTION, "sources": "a.txt"}, "sources must be a list of article file names"),
        ({"question": QUESTION, "sources": [[]]}, "sources must be a list of article file names"),
        # found by a team: these searched every article, and an object was read as a list of its keys
        ({"question": QUESTION, "sources": ""}, "sources must be a list of article file names"),
        ({"question": QUESTION, "sources": 0}, "sources must be a list of article file names"),
        ({"question": QUESTION, "sources": False}, "sources must be a list of article file names"),
        ({"question": QUESTION, "sources": {"a.txt": 1}}, "sources must be a list of article file names"),
        ({"question": QUESTION, "sources": ["../../etc/passwd"]}, "none of the articles named is indexed"),
        ({"question": QUESTION, "k": 3}, "unknown fields: k"),
        ({}, "missing field: question"),
        ({"history": []}, "missing field: question"),
        ([QUESTION], "the body must be a JSON object, not list"),
        (123, "the body must be a JSON object, not int"),
    ],
)
def test_wrong_inputs_are_4xx_with_one_line(open_server: str, body: object, message: str) -> None:
    r = httpx.post(open_server + "api/ask", json=body)
    assert r.status_code == 400
    detail = r.json()["detail"]
    assert detail.startswith(message) and "\n" not in detail and "Traceback" not in r.text


def test_a_body_over_the_limit_is_refused_before_it_is_read_whole(open_server: str) -> None:
    """A 50 MB question was read and parsed on the server's event loop (20 s), slowing every other request."""
    from assistant.apps.server import MAX_BODY_BYTES

    big = b'{"question": "' + b"a " * MAX_BODY_BYTES + b'"}'
    r = httpx.post(open_server + "api/ask", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["detail"].startswith("the request is over 1,000,000 bytes")

    def chunks() -> Iterator[bytes]:  # no content-length: counted as it comes
        yield big[: MAX_BODY_BYTES // 2]
        yield big[MAX_BODY_BYTES // 2 :]

    r = httpx.post(open_server + "api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    r = httpx.post(open_server + "api/ask", json={"question": QUESTION, "sources": []})  # [] is every article
    assert r.status_code == 200 and not r.json()["abstained"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([{"a": 1}, None, None], "a question is a string, not dict"),
        ([[], None, None], "a question is a string, not list"),
        ([123, None, None], "a question is a string, not int"),
        ([QUESTION, 5, None], "sources must be a list of article file names"),
        ([QUESTION, ["nope.txt"], None], "none of the articles named is indexed: nope.txt"),
        ([QUESTION, None, [{"role": "system", "content": "x"}]], "history items must be"),
    ],
)
def test_gradio_api_refuses_wrong_inputs_before_queueing(open_server: str, data: list[object], message: str) -> None:
    r = httpx.post(open_server + "gradio_api/call/ask", json={"data": data})
    assert r.status_code == 422
    failed = [v["message"] for v in r.json()["detail"] if not v["is_valid"]]
    assert len(failed) == 1 and failed[0].startswith(message)


@pytest.mark.slow
def test_unknown_articles_filter_is_the_same_error_in_python_and_http(bot: Assistant, open_server: str) -> None:
    with pytest.raises(InputError) as raised:
        bot.ask(QUESTION, sources=["nope.txt"])
    r = httpx.post(open_server + "api/ask", json={"question": QUESTION, "sources": ["nope.txt"]})
    assert r.status_code == 400 and r.json()["detail"] == str(raised.value)
    known = sorted(bot.sources)[0]
    r = httpx.post(open_server + "api/ask", json={"question": QUESTION, "sources": [known, "nope.txt"]})
    assert r.status_code == 200
    answer = r.json()
    assert any("nope.txt" in n for n in answer["notices"])
    assert all(c["source"] == known for c in answer["citations"])


# --- what is answered ---


@pytest.mark.slow
def test_json_api_answers_with_citations_and_follow_ups(open_server: str) -> None:
    r = httpx.post(open_server + "api/ask", json={"question": QUESTION})
    assert r.status_code == 200
    first = r.json()
    assert "April 2, 1992" in first["text"] and not first["abstained"]
    c = first["citations"][0]
    assert "1992" in c["text"][c["sentence_start"] : c["sentence_end"]]
    trade = "How much trade was there between China and Azerbaijan in 2007?"
    said = httpx.post(open_server + "api/ask", json={"question": trade}).json()["text"]
    history = [{"role": "user", "content": trade}, {"role": "assistant", "content": said}]
    follow = httpx.post(open_server + "api/ask", json={"question": "What about 2017?", "history": history}).json()
    assert "1.3 billion" in follow["text"]


# --- logins ---


@pytest.mark.slow
def test_wrong_logins_are_slowed_then_locked_out(locked_server: str) -> None:
    times, statuses = [], []
    with httpx.Client(base_url=locked_server) as client:
        for n in range(20):
            start = time.perf_counter()
            r = client.post("login", data={"username": USER, "password": f"wrong{n}"})
            times.append(time.perf_counter() - start)
            statuses.append(r.status_code)
        assert statuses[:10] == [400] * 10 and statuses[10:] == [429] * 10
        assert times[2] >= 0.09 and times[4] >= 0.35  # the delay grows after two free failures
        assert max(times[10:]) < 0.3  # a locked-out client is answered at once, not held
        r = client.post("login", data={"username": USER, "password": PASSWORD})
        assert r.status_code == 429 and "try again in" in r.json()["detail"]  # even the right password
        assert int(r.headers["retry-after"]) > 0
        assert client.post("api/ask", json={"question": QUESTION}).status_code == 401
    # Another client (another loopback address) is not locked out by this one's failures.
    with httpx.Client(base_url=locked_server, transport=httpx.HTTPTransport(local_address="127.0.0.2")) as other:
        assert other.post("login", data={"username": USER, "password": PASSWORD}).status_code == 200
        answer = other.post("api/ask", json={"question": QUESTION})
        assert answer.status_code == 200 and answer.json()["citations"]


def test_throttle_delays_double_and_reset_on_success() -> None:
    throttle = LoginThrottle(free=3, delay_s=1.0, max_delay_s=8.0, lock_after=10, lock_s=300)
    delays = []
    for n in range(9):
        throttle.begin("a")
        delays.append(throttle.end("a", ok=False, now=float(n)))
    assert delays == [0, 0, 0, 1, 2, 4, 8, 8, 8]
    assert throttle.locked_for("a", now=9.0) == 0
    throttle.begin("a")
    throttle.end("a", ok=False, now=9.0)
    assert throttle.locked_for("a", now=10.0) == pytest.approx(299.0)
    assert throttle.locked_for("b", now=10.0) == 0
    throttle.begin("c")
    throttle.end("c", ok=False, now=0.0)
    throttle.begin("c")
    assert throttle.end("c", ok=True, now=1.0) == 0
    throttle.begin("c")
    assert throttle.end("c", ok=False, now=2.0) == 0  # counting starts again after a success


def test_logins_in_flight_count_toward_the_lock() -> None:
    throttle = LoginThrottle(lock_after=3)
    for _ in range(3):
        throttle.begin("a")
    assert throttle.locked_for("a", now=0.0) > 0  # a burst cannot outrun the count


# --- busy ---


def test_admission_says_busy_when_every_place_is_taken() -> None:
    release = threading.Event()

    async def scenario() -> list[str]:
        admission = chat_server.Admission(running=1, waiting=1)
        first = asyncio.ensure_future(admission.run(release.wait))
        second = asyncio.ensure_future(admission.run(release.wait))
        await asyncio.sleep(0.05)
        outcomes = []
        try:
            await admission.run(release.wait)
        except chat_server.Busy:
            outcomes.append("busy")
        release.set()
        await asyncio.gather(first, second)
        outcomes.append(str(await admission.run(lambda: "served")))
        return outcomes

    assert asyncio.run(scenario()) == ["busy", "served"]


@pytest.mark.slow
def test_a_full_server_says_busy_and_answers_the_rest(bot: Assistant) -> None:
    served = serve_chat(bot, admission=chat_server.Admission(running=1, waiting=0))
    endpoint = next(served) + "api/ask"
    try:
        with ThreadPoolExecutor(24) as pool:
            replies = list(pool.map(lambda _: httpx.post(endpoint, json={"question": QUESTION}), range(24)))
    finally:
        served.close()
    statuses = [r.status_code for r in replies]
    assert set(statuses) <= {200, 503} and 200 in statuses and 503 in statuses
    busy = next(r for r in replies if r.status_code == 503)
    assert busy.json() == {"detail": chat_server.BUSY} and busy.headers["retry-after"] == "1"


# --- the command line ---


@pytest.mark.slow
def test_assistant_chat_prints_only_its_own_lines(shipped_index: Path) -> None:
    """Gradio's own hints ("set `share=True` in `launch()`", "Running on local URL") name launch()
    arguments a user of the command line cannot set: the chat prints its address in its own words only,
    and only once it takes connections (a new user's browser found nothing there for 18 s)."""
    port = free_port()
    command = [sys.executable, "-m", "assistant", "chat", "--index", str(shipped_index), "--port", str(port)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(240, proc.kill)
    watchdog.start()
    seen: list[str] = []
    try:
        assert proc.stderr is not None
        while not (seen and seen[-1].startswith("Chat on ")):
            line = proc.stderr.readline()
            assert line, f"the chat stopped: {seen}"
            seen.append(line.rstrip("\n"))
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200  # at once: it is up
    finally:
        watchdog.cancel()
        proc.terminate()
        out, err = proc.communicate(timeout=60)
    lines = [line for line in (out + "\n".join(seen) + "\n" + err).splitlines() if line.strip()]
    assert f"Chat on http://localhost:{port} (Ctrl+C to stop)" in lines
    assert f"index: {shipped_index} (5 articles); starting the chat …" in lines  # which index it serves
    ours = ("Chat on ", "Preparing fast question embedding", "index: ")
    assert all(line.startswith(ours) for line in lines), lines
    assert "share" not in out + err and "launch()" not in out + err


def test_share_links_are_told_in_our_words() -> None:
    assert chat_server.share_message("https://abc.gradio.live").startswith("Public link: https://abc.gradio.live ")
    assert "no public link" in chat_server.share_message(None)


def test_password_on_the_command_line_warns_and_a_file_is_preferred(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    launched: list[dict[str, object]] = []
    monkeypatch.setattr(chat_server, "launch", lambda bot, **kw: launched.append(kw))
    bot = SimpleNamespace(settings=SimpleNamespace(store=None, index_dir=tmp_path / "index"), sources={})
    monkeypatch.setattr(cli, "open_assistant", lambda corpus, index, store=None, reading=False: bot)
    monkeypatch.setattr(cli, "prepare", lambda bot: None)
    monkeypatch.delenv("ASSISTANT_AUTH", raising=False)
    runner = CliRunner()
    result = runner.invoke(cli.cli, ["chat", "--auth", "me:pw"])
    assert result.exit_code == 0 and "can be read by other users (ps)" in result.output
    assert launched[-1]["auth"] == [("me", "pw")]
    secret = tmp_path / "auth"
    secret.write_text("# who may log in\nme:pw\nyou:pa:ss\n")
    secret.chmod(0o600)
    result = runner.invoke(cli.cli, ["chat", "--auth-file", str(secret)])
    assert result.exit_code == 0 and "warning" not in result.output
    assert launched[-1]["auth"] == [("me", "pw"), ("you", "pa:ss")]
    secret.chmod(0o644)
    result = runner.invoke(cli.cli, ["chat", "--auth-file", str(secret)])
    assert "can be read by other users of this computer; chmod 600" in result.output
    result = runner.invoke(cli.cli, ["chat"], env={"ASSISTANT_AUTH": "env:pw"})
    assert result.exit_code == 0 and "warning" not in result.output and launched[-1]["auth"] == [("env", "pw")]
    (tmp_path / "empty").write_text("\n")
    for bad in (["--auth-file", str(tmp_path / "empty")], ["--auth-file", str(tmp_path / "none")], ["--auth", "x"]):
        result = runner.invoke(cli.cli, ["chat", *bad])
        assert result.exit_code == 2 and "Traceback" not in result.output, bad


def test_an_unavailable_database_is_a_503_that_says_when_to_try_again() -> None:
    from starlette.applications import Starlette
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from assistant.apps.server import Admission, ask_endpoint
    from assistant.errors import StoreUnavailable

    class Away:
        sources: ClassVar[dict[str, dict[str, str]]] = {}

        def ask(self, *args: object, **kwargs: object) -> None:
            raise StoreUnavailable("the index's database is unavailable: connection refused")

    app = Starlette(routes=[Route("/api/ask", ask_endpoint(Away(), Admission()), methods=["POST"])])  # type: ignore[arg-type]
    r = TestClient(app).post("/api/ask", json={"question": "Anything?"})
    assert r.status_code == 503 and r.headers["Retry-After"] == "5"
    assert r.json()["detail"] == "the index's database is unavailable: connection refused"
