"""Several people at once: concurrent conversations on the real server, and one Assistant shared by threads."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from assistant import Assistant
from assistant.apps import server as chat_server
from assistant.measure.loadtest import citation_problems, conversations_from_gold, free_port, run_load

from .conftest import ROOT

pytestmark = pytest.mark.slow

QUESTIONS = [
    "How much did trade between China and Azerbaijan grow in 2024?",
    "When were diplomatic relations established?",
    "What is the Middle Corridor?",
    "What is the best recipe for lasagne?",
    "Which Chinese company sent a delegation to meet Azerbaijan's energy minister in November 2025?",
    "How many cooperation documents were signed during the state visit?",
]


@pytest.fixture(scope="module")
def server(bot: Assistant) -> Iterator[str]:
    port = free_port()
    demo = chat_server.launch(bot, port=port, block=False)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


@pytest.mark.parametrize("via", ["api", "gradio"])
def test_concurrent_conversations_have_no_errors_and_valid_citations(server: str, via: str) -> None:
    scripts = conversations_from_gold(ROOT / "eval" / "news" / "gold.jsonl")
    report = run_load(server, conversations=6, turns=2, scripts=scripts, timeout_s=120, via=via)
    assert report.errors == []
    assert report.invalid == []
    assert report.answers == 12
    summary = report.summary()
    assert summary["latency_p50_ms"] is not None and summary["latency_p95_ms"] >= summary["latency_p50_ms"]


def test_api_history_makes_follow_ups_work(server: str) -> None:
    from gradio_client import Client

    client = Client(server, verbose=False)
    first = client.predict(
        "How much trade was there between China and Azerbaijan in 2007?", None, None, api_name="/ask"
    )
    history = [{"role": "user", "content": first["question"]}, {"role": "assistant", "content": first["text"]}]
    follow = client.predict("What about 2017?", None, history, api_name="/ask")
    assert "1.3 billion" in follow["text"]  # the 2007 question's subject, carried over for the new year
    with pytest.raises(Exception, match="history items"):
        client.predict("And ten years later?", None, [{"role": "system", "content": "x"}], api_name="/ask")


def test_one_assistant_shared_by_threads_answers_as_it_does_alone(bot: Assistant) -> None:
    alone = {q: bot.ask(q).text for q in QUESTIONS}
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda q: (q, bot.ask(q).text), QUESTIONS * 4))
    assert all(text == alone[q] for q, text in together)


def test_citation_problems_are_found() -> None:
    good = {
        "text": "A [1].",
        "abstained": False,
        "citations": [{"marker": 1, "text": "A.", "sentence_start": 0, "sentence_end": 2}],
    }
    assert citation_problems(good) == []
    assert citation_problems({**good, "text": "A [2]."})  # a marker pointing nowhere
    bad_offsets = {**good, "citations": [{"marker": 1, "text": "A.", "sentence_start": 0, "sentence_end": 9}]}
    assert citation_problems(bad_offsets)
    assert citation_problems({"text": "A.", "abstained": False, "citations": []})


def test_busy_replies_are_asked_again_not_counted_as_errors(bot: Assistant) -> None:
    port = free_port()
    demo = chat_server.launch(bot, port=port, block=False, admission=chat_server.Admission(running=1, waiting=0))
    try:
        scripts = conversations_from_gold(ROOT / "eval" / "news" / "gold.jsonl")
        report = run_load(f"http://127.0.0.1:{port}/", conversations=12, turns=2, scripts=scripts, timeout_s=120)
    finally:
        demo.close()
    assert report.errors == [] and report.invalid == []
    assert report.answers == 24 and report.busy > 0
    assert report.summary()["busy_replies"] == report.busy
