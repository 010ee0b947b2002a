"""The command line: `assistant index | search | ask | chat | eval` (and `python -m assistant`)."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import click

from .._offline import go_offline
from .cli_common import (
    corpus_option,
    friendly_errors,
    index_option,
    open_assistant,
    prepare,
    say,
    source_option,
    store_option,
    where,
)
from .cli_measure import bench, eval_, fit

go_offline()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Show informational log messages.")
@click.version_option(package_name="assistant")
def cli(verbose: bool) -> None:
    """Ask questions about a folder of articles; every answer cites its passages."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr
    )
    logging.getLogger("assistant.ingest.corpus.skipped").setLevel(logging.ERROR)  # listed once, by `prepare`


@cli.command()
@corpus_option
@index_option
@store_option
@click.option("--rebuild", is_flag=True, help="Re-embed everything, even unchanged articles.")
@click.option("--replace", is_flag=True,
              help="Replace an existing index even if the folder lacks most of its articles (more than half, "
                   "and at least 5); without it, that is refused and nothing changes.")  # fmt: skip
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Batches embedded at once, each on its share of the cores.  [default: one per core]")  # fmt: skip
def index(
    corpus_dir: Path | None,
    index_dir: Path | None,
    store: str | None,
    rebuild: bool,
    replace: bool,
    workers: int | None,
) -> None:
    """Build or update the index (only new or changed articles are embedded)."""
    with friendly_errors():
        bot = open_assistant(corpus_dir, index_dir, store, workers or 0)
        say(f"Indexing {bot.settings.corpus_dir} into {where(bot)} …", err=True)  # before a long build, not after
        report = prepare(bot, rebuild=rebuild, replace=replace, quiet=True, write=True)
        click.echo(f"{where(bot)}: {report.summary()}")


@cli.command()
@click.argument("query")
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 100), help="How many passages.")
@source_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@corpus_option
@index_option
@store_option
def search(
    query: str,
    k: int,
    sources: tuple[str, ...],
    as_json: bool,
    corpus_dir: Path | None,
    index_dir: Path | None,
    store: str | None,
) -> None:
    """Show the passages that best match QUERY."""
    with friendly_errors():
        from ..questions import clean_question

        query = clean_question(query)
        bot = open_assistant(corpus_dir, index_dir, store, reading=True)
        prepare(bot)
        hits = bot.search(query, k=k, sources=list(sources) or None)
        if as_json:
            click.echo(json.dumps([p.to_dict() for p in hits], ensure_ascii=False, indent=2))
            return
        for rank, p in enumerate(hits, 1):
            say(f"{rank}. {p.title} — {p.source} [{p.start}:{p.end}]  score {p.score:.4f}", bold=True)
            say(f"   {p.text}\n")


@cli.command()
@click.argument("question")
@source_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@corpus_option
@index_option
@store_option
def ask(
    question: str,
    sources: tuple[str, ...],
    as_json: bool,
    corpus_dir: Path | None,
    index_dir: Path | None,
    store: str | None,
) -> None:
    """Answer QUESTION from the articles, with cited sources."""
    with friendly_errors():
        from ..questions import clean_question

        clean_question(question)  # a clear error before the model loads; ask() cleans it again, with notices
        bot = open_assistant(corpus_dir, index_dir, store, reading=True)
        prepare(bot)
        answer = bot.ask(question, sources=list(sources) or None)
        for notice in answer.notices:
            say(f"note: {notice}", err=True)
        if as_json:
            click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
            return
        say(answer.text + "\n")
        for c in answer.citations:
            page = f", page {c.page}" if c.page else ""
            section = f" › {c.section}" if c.section else ""
            where = "its details" if c.card else f"[{c.start}:{c.end}]"
            say(f"[{c.marker}] {c.title}{section} — {c.source}{page} {where}", bold=True)
            say(f"    {c.sentence}")


@cli.command()
@click.argument("query", required=False)
@source_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@corpus_option
@index_option
@store_option
def timeline(
    query: str | None,
    sources: tuple[str, ...],
    as_json: bool,
    corpus_dir: Path | None,
    index_dir: Path | None,
    store: str | None,
) -> None:
    """Dated events the articles state, in date order (about QUERY, if given), each with its source."""
    with friendly_errors():
        bot = open_assistant(corpus_dir, index_dir, store, reading=True)
        prepare(bot)
        found = bot.timeline(query, sources=list(sources) or None)
        if as_json:
            click.echo(json.dumps({**found.to_dict(), "query": query}, ensure_ascii=False, indent=2))
            return
        if not found.events:
            say("The articles date no events" + (f" about {query}." if query else "."))
            return
        width = max(len(e.date_text) for e in found.events)
        for e in found.events:
            cited_in = ", ".join(c.source for c in (e.citation, *e.also))
            guessed = " (year from the text around it)" if e.inferred_year else ""
            when = f"{e.date}0s" if e.precision == "decade" else e.date  # ISO's "199" is the 1990s
            said = "" if e.date_text in (e.date, when) else e.date_text  # a date written as 2019-12-07: once
            say(f"{when:<10}  {said:<{width}}  {cited_in}{guessed}", bold=True)
            say(f"            {e.text}")
        for a, b in found.disagreements:
            dates = f"{a.date_text} ({a.citation.source}) and {b.date_text} ({b.citation.source})"
            say(f"note: one event, two dates: {dates}")


@cli.command()
@corpus_option
@index_option
@store_option
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
    with friendly_errors():
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
        bot = open_assistant(corpus_dir, index_dir, store, reading=True)
        prepare(bot)
        shown = "localhost" if server.is_loopback(host) else host
        click.echo(f"index: {where(bot)} ({len(bot.sources)} articles); starting the chat …", err=True)

        def ready() -> None:  # printed once it takes connections (it took 18 s more on a busy machine)
            click.echo(f"Chat on http://{shown}:{port} (Ctrl+C to stop)", err=True)

        server.launch(bot, host=host, port=port, share=share, auth=credentials, allowed_hosts=allowed_hosts,
                      say=lambda line: click.echo(line, err=True), ready=ready)  # fmt: skip


for _command in (eval_, fit, bench):  # the measuring commands (cli_measure.py)
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="assistant")
