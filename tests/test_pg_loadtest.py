"""Many servers, one index: two `assistant chat` processes on one PostgreSQL database under the load test."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.embed.embedding import SentenceTransformerEmbedder
from assistant.measure.loadtest import conversations_from_gold, run_load, start_servers, stop_servers

from .conftest import CORPUS, ROOT

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

pg_store = pytest.importorskip("assistant.store.postgres")


def _ask(url: str, question: str) -> dict:  # type: ignore[type-arg]
    body = json.dumps({"question": question}).encode()
    request = urllib.request.Request(f"{url}api/ask", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return dict(json.loads(response.read()))


def test_two_chat_servers_on_one_database_under_load(
    pg_server: str, embedder: SentenceTransformerEmbedder, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store = pg_store.with_index_name(pg_server, "shared_chat")
    bot = Assistant(corpus_dir=CORPUS, store=store, embedder=embedder)
    assert bot.index().written
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the servers run this checkout's code
    servers = start_servers(2, store=store, corpus=CORPUS)
    try:
        urls = [url for url, _ in servers]
        scripts = conversations_from_gold(ROOT / "eval" / "news" / "gold.jsonl")
        report = run_load(urls, conversations=50, turns=3, scripts=scripts, timeout_s=600)
        assert report.errors == [] and report.invalid == []
        assert report.answers == 150 and all(n == 75 for n in report.by_server.values()), report.by_server
        gold = [json.loads(line) for line in (ROOT / "eval" / "news" / "gold.jsonl").read_text().splitlines()]
        question = next(g["question"] for g in gold if g.get("answers") and not g.get("conversation"))
        first, second = (_ask(url, question) for url in urls)
    finally:
        stop_servers(servers)
    # Both servers read one index: the same answer, citing the same passages of the articles as stored.
    assert (first["text"], first["citations"]) == (second["text"], second["citations"])
    assert first["citations"], question
    articles = bot._ready().data.articles
    for c in first["citations"]:
        assert articles[c["source"]].text[c["start"] : c["end"]] == c["text"]
        assert c["text"][c["sentence_start"] : c["sentence_end"]] == c["sentence"]
