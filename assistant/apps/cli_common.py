"""What every command of the command line shares: the corpus, index and store options, error and
progress output, and opening an assistant with its index ready."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ..errors import AssistantError
from ..ingest.corpus import passed_over
from ..opening import no_index_yet

corpus_option = click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder of articles (default: the shipped corpus/).",
)


index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Index folder (default: index/ for the shipped corpus; for another --corpus, its own in the cache).",
)


source_option = click.option(
    "--source", "sources", multiple=True, metavar="FILE", help="Only this article, by file name (repeatable)."
)


store_option = click.option(
    "--store",
    default=None,
    metavar="postgresql://…",
    help="Keep the index in this PostgreSQL database (pgvector) instead of the index folder; many chat servers "
    "can share it. Add ?index=NAME to keep several indexes in one database. Default: $ASSISTANT_STORE.",
)


def say(text: str, err: bool = False, bold: bool = False) -> None:
    """Print article text, titles and file names with no terminal control sequence left in them."""
    from ..ingest.cleaning import strip_terminal

    click.secho(strip_terminal(text), err=err, bold=bold or None)


# Ctrl+C may come before, during or after an index is swapped in (or in the chat, with none being built):
# what holds in every case. It said "the index is as it was" after a new one was in place.
INTERRUPTED = "Interrupted. An index is only ever swapped in whole: it is as it was, or wholly new, never half-written."


@contextmanager
def friendly_errors() -> Iterator[None]:
    """One clear line and a non-zero exit instead of a traceback."""
    try:
        yield
    except AssistantError as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:  # a build writes aside and swaps in whole: it is either done or not begun
        click.echo(INTERRUPTED, err=True)
        raise SystemExit(130) from None
    except BrokenPipeError:  # `assistant search … | head -1`: the reader has what it wanted; click exits quietly
        raise
    except OSError as exc:
        raise click.ClickException(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from None


def open_assistant(
    corpus_dir: Path | None, index_dir: Path | None, store: str | None = None, workers: int = 0, reading: bool = False
) -> Any:
    """The assistant the command works with. `reading` (ask, search, timeline, chat): a database index
    that does not exist is built from a corpus folder the user names, never from the shipped one, so a
    mistyped ?index= is an error, not a new index of the demo articles."""
    from ..core import Assistant
    from ..settings import Settings

    bot = Assistant(corpus_dir=corpus_dir, index_dir=index_dir, store=store, settings=Settings(workers=workers))
    if reading and corpus_dir is None and bot.settings.store is not None:
        from ..errors import IndexStateError
        from ..store import postgres

        if not postgres.exists(bot.settings.store):
            conninfo, name = postgres.parse_location(bot.settings.store)
            raise IndexStateError(
                f"no index {name!r} in {postgres.redact(conninfo)}; build it first: "
                "assistant index --store URL --corpus FOLDER"
            )
    return bot


def where(bot: Any) -> str:
    """Where the index is kept, for messages: the folder, or the database without its password."""
    from ..store.location import shown

    return shown(bot.settings.store, bot.settings.index_dir)


@contextmanager
def progress_bar() -> Iterator[Callable[[int, int], None]]:
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


READING_QUIET_S = 3.0  # a question's check of the folder shows its reading only when it takes longer


@contextmanager
def reading_bar(least: int = 20, delay: float = 0.0) -> Iterator[Callable[[int, int], None]]:
    """Files read, for a folder of at least `least` files; then a line saying what comes next. With a
    `delay`, shown only when reading takes longer (a question on an unchanged folder stays quiet)."""
    import time

    from tqdm import tqdm

    bar: Any = None
    began = time.monotonic()

    def update(done: int, total: int) -> None:
        nonlocal bar
        if total < least:
            return
        if bar is None:
            bar = tqdm(total=total, unit="file", desc="Reading", file=sys.stderr, delay=delay)
        bar.update(done - bar.n)
        if done == total:
            bar.close()
            if time.monotonic() - began >= delay:
                say(f"Read {total:,} files; new and changed ones are split into passages and sentences …", err=True)

    try:
        yield update
    finally:
        if bar is not None:
            bar.close()


def prepare(bot: Any, rebuild: bool = False, quiet: bool = False, write: bool = False, replace: bool = False) -> Any:
    """Build or update the index with a progress bar, saying what changed.

    `write`: the user asked for the index to be written, so failing to is an error; otherwise
    (ask, search, chat) an index that cannot be updated is read as it is, with a warning. The same
    holds for one the corpus folder would remove most of, unless `replace` (`store.replacement`).
    """
    with progress_bar() as progress, reading_bar(delay=0.0 if write else READING_QUIET_S) as reading:
        if write:
            report = bot.index(rebuild=rebuild, replace=replace, progress=progress, reading=reading)
        else:
            report = bot.update(progress=progress, reading=reading)
    if report.failed and not no_index_yet(bot.settings):  # else: there is none to use as it is
        say(f"warning: {report.failed}; using the index as it is", err=True)
    for source, reason in report.skipped.items():
        say(f"warning: skipped {source}: {reason}", err=True)
    if report.passed_over and (write or report.written):
        say(f"note: {passed_over(report.passed_over)}", err=True)
    if report.written and not quiet:
        click.echo(f"index: {report.summary()}", err=True)
    if getattr(bot.embedder, "fast_queries_pending", False):
        click.echo("Preparing fast question embedding (ONNX, once per model) …", err=True)
        bot.prepare_fast_queries()
    return report
