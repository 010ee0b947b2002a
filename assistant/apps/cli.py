"""The command line: `assistant index | search | ask | chat | eval` (and `python -m assistant`)."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from .._offline import go_offline
from ..errors import AssistantError

go_offline()

_corpus = click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder of articles (default: the shipped corpus/).",
)
_index = click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Index folder (default: the shipped index/).",
)
_store = click.option(
    "--store",
    default=None,
    metavar="postgresql://…",
    help="Keep the index in this PostgreSQL database (pgvector) instead of the index folder; many chat servers "
    "can share it. Add ?index=NAME to keep several indexes in one database. Default: $ASSISTANT_STORE.",
)


def _say(text: str, err: bool = False, bold: bool = False) -> None:
    """Print article text, titles and file names with no terminal control sequence left in them."""
    from ..ingest.cleaning import strip_terminal

    click.secho(strip_terminal(text), err=err, bold=bold or None)


@contextmanager
def _friendly_errors() -> Iterator[None]:
    """One clear line and a non-zero exit instead of a traceback."""
    try:
        yield
    except AssistantError as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        raise click.ClickException("interrupted") from None
    except OSError as exc:
        raise click.ClickException(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from None


def _assistant(corpus_dir: Path | None, index_dir: Path | None, store: str | None = None) -> Any:
    from ..core import Assistant

    return Assistant(corpus_dir=corpus_dir, index_dir=index_dir, store=store)


def _where(bot: Any) -> str:
    """Where the index is kept, for messages: the folder, or the database without its password."""
    if bot.settings.store is None:
        return str(bot.settings.index_dir)
    from ..store.postgres import redact

    return redact(bot.settings.store)


@contextmanager
def _progress_bar() -> Iterator[Callable[[int, int], None]]:
    from tqdm import tqdm

    bar: Any = None

    def update(done: int, total: int) -> None:
        # Counts are word pieces, and the bar starts after the first batch (the model loaded, the
        # longest texts first), so its estimate is the measured tokens/s over the tokens left.
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, initial=done, unit="tok", unit_scale=True, smoothing=0, desc="Embedding",
                       file=sys.stderr)  # fmt: skip
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        if bar is not None:
            bar.close()


def _prepare(bot: Any, rebuild: bool = False, quiet: bool = False, write: bool = False) -> Any:
    """Build or update the index with a progress bar, saying what changed.

    `write`: the user asked for the index to be written, so failing to is an error; otherwise
    (ask, search, chat) an index that cannot be updated is read as it is, with a warning.
    """
    with _progress_bar() as progress:
        report = bot.index(rebuild=rebuild, progress=progress) if write else bot.update(progress=progress)
    if report.failed:
        _say(f"warning: {report.failed}; using the index as it is", err=True)
    for source, reason in report.skipped.items():
        _say(f"warning: skipped {source}: {reason}", err=True)
    if report.written and not quiet:
        click.echo(f"index: {report.summary()}", err=True)
    if getattr(bot.embedder, "fast_queries_pending", False):
        click.echo("Preparing fast question embedding (ONNX, once per model) …", err=True)
        bot.prepare_fast_queries()
    return report


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Show informational log messages.")
@click.version_option(package_name="assistant")
def cli(verbose: bool) -> None:
    """Ask questions about a folder of articles; every answer cites its passages."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr
    )


@cli.command()
@_corpus
@_index
@_store
@click.option("--rebuild", is_flag=True, help="Re-embed everything, even unchanged articles.")
def index(corpus_dir: Path | None, index_dir: Path | None, store: str | None, rebuild: bool) -> None:
    """Build or update the index (only new or changed articles are embedded)."""
    with _friendly_errors():
        bot = _assistant(corpus_dir, index_dir, store)
        report = _prepare(bot, rebuild=rebuild, quiet=True, write=True)
        click.echo(f"{_where(bot)}: {report.summary()}")


@cli.command()
@click.argument("query")
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 100), help="How many passages.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_corpus
@_index
@_store
def search(
    query: str, k: int, as_json: bool, corpus_dir: Path | None, index_dir: Path | None, store: str | None
) -> None:
    """Show the passages that best match QUERY."""
    with _friendly_errors():
        from ..core import clean_question

        query = clean_question(query)
        bot = _assistant(corpus_dir, index_dir, store)
        _prepare(bot)
        hits = bot.search(query, k=k)
        if as_json:
            click.echo(json.dumps([p.to_dict() for p in hits], ensure_ascii=False, indent=2))
            return
        for rank, p in enumerate(hits, 1):
            _say(f"{rank}. {p.title} — {p.source} [{p.start}:{p.end}]  score {p.score:.4f}", bold=True)
            _say(f"   {p.text}\n")


@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_corpus
@_index
@_store
def ask(question: str, as_json: bool, corpus_dir: Path | None, index_dir: Path | None, store: str | None) -> None:
    """Answer QUESTION from the articles, with cited sources."""
    with _friendly_errors():
        from ..core import clean_question

        clean_question(question)  # a clear error before the model loads; ask() cleans it again, with notices
        bot = _assistant(corpus_dir, index_dir, store)
        _prepare(bot)
        answer = bot.ask(question)
        for notice in answer.notices:
            _say(f"note: {notice}", err=True)
        if as_json:
            click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
            return
        _say(answer.text + "\n")
        for c in answer.citations:
            _say(f"[{c.marker}] {c.title} — {c.source} [{c.start}:{c.end}]", bold=True)
            _say(f"    {c.sentence}")


@cli.command()
@click.argument("query", required=False)
@click.option("--source", "sources", multiple=True, metavar="FILE", help="Only this article (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_corpus
@_index
def timeline(
    query: str | None, sources: tuple[str, ...], as_json: bool, corpus_dir: Path | None, index_dir: Path | None
) -> None:
    """Dated events the articles state, in date order (about QUERY, if given), each with its source."""
    with _friendly_errors():
        bot = _assistant(corpus_dir, index_dir)
        _prepare(bot)
        found = bot.timeline(query, sources=list(sources) or None)
        if as_json:
            payload = {"query": query, "events": [e.to_dict() for e in found.events],
                       "disagreements": [[a.to_dict(), b.to_dict()] for a, b in found.disagreements]}  # fmt: skip
            click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        if not found.events:
            _say("The articles date no events" + (f" about {query}." if query else "."))
            return
        width = max(len(e.date_text) for e in found.events)
        for e in found.events:
            where = ", ".join(c.source for c in (e.citation, *e.also))
            guessed = " (year from the text around it)" if e.inferred_year else ""
            _say(f"{e.date:<10}  {e.date_text:<{width}}  {where}{guessed}", bold=True)
            _say(f"            {e.text}")
        for a, b in found.disagreements:
            dates = f"{a.date_text} ({a.citation.source}) and {b.date_text} ({b.citation.source})"
            _say(f"note: one event, two dates: {dates}")


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
    out.mkdir(parents=True, exist_ok=True)
    (out / "whole_articles.json").write_text(json.dumps(scores, indent=2), encoding="utf-8")

    def figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
        timelines = [r for r in rows if r["kind"] == "timeline"]
        return {**timeline_eval.summary(timelines), **collection_eval.summary(rows)}

    result = {name: figures([s for s in scores if s["split"] == name]) for name in chosen}
    if split == "all":
        result["all"] = figures(scores)
    return {name: row for name, row in result.items() if row}


@cli.command(name="eval")
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
@_corpus
@_index
@_store
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
    from ..settings import PROJECT_ROOT

    with _friendly_errors():
        gates = suites.parse_gates(fail_under)
        if gold is not None:  # one set of the user's: the shipped folders unless others are named
            from ..settings import default_corpus_dir, default_index_dir

            corpus = corpus_dir or default_corpus_dir()
            index = index_dir or (default_index_dir() if corpus_dir is None else None)
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
            items = suites.select(evaluation.load_gold(suite.gold), split)
            if not items:
                raise AssistantError(f"{suite.gold} has no {split} items")
            bot = _assistant(suite.corpus, suite.index_dir(), _suite_store(store, suite.name))
            _prepare(bot, write=bot.settings.store is not None)  # a database index is brought in step explicitly
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
                "index": _where(bot),
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
        click.echo("\n" + evaluation.TOKEN_F1)
        out.mkdir(parents=True, exist_ok=True)
        (out / "summary.md").write_text(evaluation.markdown_table(rows) + "\n", encoding="utf-8")
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


@cli.command()
@click.option("--suite", "suite_names", multiple=True, help="Fit on these suites' tune splits (default: all).")
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

    with _friendly_errors():
        chosen = suites.load_suites(names=suite_names)

        def gathered(suite: suites.Suite) -> fitting.Examples:
            bot = _assistant(suite.corpus, suite.index_dir(), _suite_store(None, suite.name))
            _prepare(bot, write=bot.settings.store is not None)
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


@cli.command()
@_corpus
@_index
@_store
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback: this computer only)."
)
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--share", is_flag=True, help="Also publish a public gradio.live link (sends traffic through Gradio).")
@click.option(
    "--auth-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Require a login: a file of USER:PASSWORD lines (or set ASSISTANT_AUTH=USER:PASSWORD).",
)
@click.option(
    "--auth", default=None, metavar="USER:PASSWORD", help="Require this login (visible in ps: prefer --auth-file)."
)
@click.option(
    "--allow-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="Also answer requests addressed to NAME (e.g. behind a proxy); IP addresses always are.",
)
def chat(
    corpus_dir: Path | None,
    index_dir: Path | None,
    store: str | None,
    host: str,
    port: int,
    share: bool,
    auth_file: Path | None,
    auth: str | None,
    allowed_hosts: tuple[str, ...],
) -> None:
    """Open the chat in your browser: cited answers with their sources, on this computer."""
    with _friendly_errors():
        from . import server

        credentials: list[tuple[str, str]] | None = None
        try:
            if auth_file is not None:
                credentials = server.read_auth_file(auth_file)
                warning = server.auth_file_warning(auth_file)
                if warning:
                    click.echo(f"warning: {warning}", err=True)
            elif auth or os.environ.get("ASSISTANT_AUTH"):
                if auth:
                    click.echo("warning: a password on the command line can be read by other users (ps); "
                               "use --auth-file FILE or ASSISTANT_AUTH instead", err=True)  # fmt: skip
                credentials = [server.parse_auth(auth or os.environ["ASSISTANT_AUTH"])]
        except OSError as exc:
            raise click.BadParameter(f"cannot read it: {exc.strerror}", param_hint="--auth-file") from None
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--auth-file" if auth_file else "--auth") from None
        for warning in server.exposure_warnings(host, share, credentials is not None):
            click.echo(f"warning: {warning}", err=True)
        bot = _assistant(corpus_dir, index_dir, store)
        _prepare(bot)
        shown = "localhost" if server.is_loopback(host) else host
        click.echo(f"Chat on http://{shown}:{port} (Ctrl+C to stop)", err=True)
        server.launch(bot, host=host, port=port, share=share, auth=credentials, allowed_hosts=allowed_hosts,
                      say=lambda line: click.echo(line, err=True))  # fmt: skip


@cli.command()
@click.option("--quick", is_flag=True, help="Small sizes only (about two minutes); CI runs this.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where bench.json and bench.png go (default: eval/bench/<timestamp>/).")  # fmt: skip
def bench(quick: bool, out: Path | None) -> None:
    """Measure speed and memory against the LangChain tutorial pipeline, and at growing corpus sizes."""
    with _friendly_errors():
        from datetime import datetime

        from ..measure import bench as benchmarks
        from ..settings import PROJECT_ROOT

        out = out or PROJECT_ROOT / "eval" / "bench" / datetime.now().strftime("%Y%m%d-%H%M%S")
        try:
            report = benchmarks.run(quick, out, log=lambda m: click.echo(m, err=True))
        except (ImportError, RuntimeError) as exc:
            raise click.ClickException(f"{exc}\n(the benchmark needs: pip install -e '.[bench]')") from None
        click.echo(benchmarks.table(report))
        click.echo(f"\nwrote {out / 'bench.json'}, {out / 'bench.png'}")


def main() -> None:
    cli(prog_name="assistant")
