"""The chat server as a team serves it, through real HTTP: its health check, its request log, and
how it stops."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Generator, Iterator
from pathlib import Path

import httpx
import pytest

from assistant import Assistant
from assistant.apps import server as chat_server
from assistant.embed.embedding import HashingEmbedder
from assistant.measure.loadtest import free_port

USER, PASSWORD = "reader", "s3cret"


def _serve(bot: Assistant, **kwargs: object) -> Generator[str, None, None]:
    port = free_port()
    demo = chat_server.launch(bot, port=port, block=False, **kwargs)  # type: ignore[arg-type]
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


@pytest.fixture(scope="module")
def served(bot: Assistant) -> Iterator[str]:
    yield from _serve(bot)


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
    served = _serve(bot, auth=[(USER, PASSWORD)])
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
        served = _serve(bot)
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
