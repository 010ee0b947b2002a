"""The CLI through its real entry point: output, JSON, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, TINY_ARTICLES, write_articles

ASSISTANT = str(Path(sys.executable).with_name("assistant"))


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ASSISTANT, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_help_is_fast_and_does_not_import_torch() -> None:
    code = "import sys; from assistant.apps.cli import cli; print('torch' in sys.modules, 'faiss' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
    proc = subprocess.run([sys.executable, "-m", "assistant", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "ask" in proc.stdout and "index" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "   "], "Please ask a question"),
        (["ask", "hello", "--corpus", "/nonexistent/folder", "--index", "/nonexistent/index"], "not found"),
        (["search", "x", "-k", "0"], "Invalid value"),
    ],
)
def test_errors_are_one_clear_line(args: list[str], message: str) -> None:
    proc = run(*args)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_index_search_ask_on_a_folder(tmp_path: Path) -> None:
    corpus = write_articles(tmp_path / "corpus", TINY_ARTICLES)
    (corpus / "broken.txt").write_bytes(b"\x00\x00binary")
    index = tmp_path / "index"

    proc = run("index", "--corpus", str(corpus), "--index", str(index))
    assert proc.returncode == 0, proc.stderr
    assert "skipped broken.txt" in proc.stderr and "embedded" in proc.stdout
    assert f"({len(TINY_ARTICLES)} articles indexed)" in proc.stdout  # the first build says how many, too
    assert proc.stderr.count("skipped broken.txt") == 1  # said once, not also by the log
    assert proc.stderr.startswith(f"Indexing {corpus} into {index} …")  # where, before a long build

    proc = run("index", "--corpus", str(corpus), "--index", str(index))
    assert "up to date" in proc.stdout

    proc = run("search", "sleeper train tickets", "-k", "2", "--json", "--corpus", str(corpus), "--index", str(index))
    hits = json.loads(proc.stdout)
    assert len(hits) == 2 and hits[0]["source"] == "rail.html"
    assert {"source", "title", "text", "start", "end", "score"} <= set(hits[0])

    proc = run(
        "ask",
        "How many megawatts does the Noor plant produce?",
        "--json",
        "--corpus",
        str(corpus),
        "--index",
        str(index),
    )
    answer = json.loads(proc.stdout)
    assert not answer["abstained"] and "580 megawatts" in answer["text"] and "[1]" in answer["text"]
    assert answer["citations"][0]["source"] == "solar.txt"

    proc = run("ask", "How many megawatts does the Noor plant produce?", "--corpus", str(corpus), "--index", str(index))
    assert proc.returncode == 0 and "[1] Solar farms in the desert — solar.txt" in proc.stdout

    folder = ("--corpus", str(corpus), "--index", str(index))
    proc = run("search", "sleeper train tickets", "--source", "bees.md", "--json", *folder)
    assert {hit["source"] for hit in json.loads(proc.stdout)} == {"bees.md"}  # only the article named
    proc = run("ask", "How many megawatts does the Noor plant produce?", "--source", "rail.html", "--json", *folder)
    assert "580 megawatts" not in json.loads(proc.stdout)["text"]  # rail.html does not say
    proc = run("ask", "How many megawatts does the Noor plant produce?", "--source", "nope.txt", *folder)
    assert proc.returncode != 0 and "none of the articles named is indexed: nope.txt" in proc.stderr


def test_chat_warns_when_exposed_and_checks_auth(tmp_path: Path) -> None:
    missing = ["--corpus", str(tmp_path / "none"), "--index", str(tmp_path / "none-index")]
    proc = run("chat", "--host", "0.0.0.0", *missing)  # fails on the missing corpus, after warning
    assert "warning: listening on 0.0.0.0" in proc.stderr and "--auth" in proc.stderr
    proc = run("chat", "--share", "--auth", "me:secret", *missing)
    assert "gradio.live" in proc.stderr and "consider --auth" not in proc.stderr
    proc = run("chat", "--auth", "no-password", *missing)
    assert proc.returncode != 0 and "USER:PASSWORD" in proc.stderr
    assert "warning" not in run("chat", *missing).stderr  # loopback, no share: nothing to warn about


def test_ctrl_c_exits_130_saying_what_holds_of_the_index(capsys: pytest.CaptureFixture[str]) -> None:
    """It said "the index is as it was before this run" also when Ctrl+C came after the new index was in
    place (found by a user): what it says now holds whenever it comes."""
    from assistant.apps.cli_common import friendly_errors

    with pytest.raises(SystemExit) as stopped, friendly_errors():
        raise KeyboardInterrupt
    assert stopped.value.code == 130  # the shell's code for Ctrl+C
    err = capsys.readouterr().err
    assert "as it was, or wholly new, never half-written" in err and "before this run" not in err


def test_a_quick_read_of_the_folder_for_a_question_is_not_announced(capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.apps.cli_common import READING_QUIET_S, reading_bar

    for delay, shown in ((READING_QUIET_S, False), (0.0, True)):  # a question's check; `assistant index`
        with reading_bar(least=2, delay=delay) as reading:
            for done in range(1, 31):
                reading(done, 30)
        assert ("Read 30 files" in capsys.readouterr().err) is shown


@pytest.mark.slow
def test_output_piped_to_a_reader_that_stops_early_ends_quietly() -> None:
    """`assistant search … | head -1` (found by a new user: "Error: Broken pipe" on stderr). The reader
    closes the pipe before the rest is written: no error message, no traceback."""
    proc = subprocess.run(
        f"'{ASSISTANT}' search trade -k 20 | head -c 20", shell=True, capture_output=True, text=True, cwd=ROOT,
        timeout=300,
    )  # fmt: skip
    assert len(proc.stdout) == 20
    assert "Error" not in proc.stderr and "Broken pipe" not in proc.stderr and "Traceback" not in proc.stderr
