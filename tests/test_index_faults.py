"""Index faults say what happened: a read-only index is read.

Read-only cases run the reader in a process held to file permissions. As root, where chmod
denies nothing, that process is root without the capabilities that override permissions
(CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER): it meets a read-only folder as its owner
would. (Not `nobody`: the interpreter may live under /root, and pytest's tmp folder is 0700.)
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.corpus import load_corpus
from assistant.embedding import HashingEmbedder, SentenceTransformerEmbedder
from assistant.store import sync

from .conftest import ROOT
from .test_folder_safety import snapshot

QUESTION = "When was the Noor plant completed?"
NEW_ARTICLE = "Glaciers in the Alps lost ten percent of their volume during the summers of 2022 and 2023."
DROPPED = "-dac_override,-dac_read_search,-fowner"

READER = textwrap.dedent(
    """
    import json, sys
    from assistant import Assistant
    from assistant.embedding import HashingEmbedder

    bot = Assistant(sys.argv[1], sys.argv[2], embedder=HashingEmbedder())
    answer = bot.ask(sys.argv[3])
    print(json.dumps({"text": answer.text, "failed": bot.last_sync.failed}))
    """
)


def held_to_permissions() -> list[str]:
    """A command prefix under which chmod is obeyed: none for a user, dropped capabilities for root."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root, where chmod denies nothing, and setpriv (util-linux) is missing to drop it")
    return ["setpriv", f"--bounding-set={DROPPED}", "--"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(list(args), capture_output=True, text=True, cwd=ROOT, env=environ, timeout=300)


@contextlib.contextmanager
def read_only(*folders: Path) -> Iterator[None]:
    """`chmod -R a-w` on each folder; write permission for the owner is given back afterwards."""
    for folder in folders:
        subprocess.run(["chmod", "-R", "a-w", str(folder)], check=True)
    try:
        probe = run(*held_to_permissions(), sys.executable, "-c", f"open({str(folders[0] / 'probe')!r}, 'w')")
        if probe.returncode == 0:
            pytest.skip(f"{folders[0]} is still writable after chmod -R a-w (a file system that ignores modes?)")
        yield
    finally:
        for folder in folders:
            subprocess.run(["chmod", "-R", "u+w", str(folder)], check=True)


def _built(tmp_path: Path, tiny_corpus: Path, embedder: object) -> Path:
    index = tmp_path / "data" / "index"
    sync(load_corpus(tiny_corpus).articles, index, embedder)  # type: ignore[arg-type]
    return index


# --- 1. a read-only index can be read -------------------------------------------------------


@pytest.mark.parametrize("stale", [False, True], ids=["up-to-date", "stale"])
def test_a_read_only_index_answers_through_the_python_api(stale: bool, tiny_corpus: Path, tmp_path: Path) -> None:
    index = _built(tmp_path, tiny_corpus, HashingEmbedder())
    if stale:
        (tiny_corpus / "glaciers.txt").write_text(NEW_ARTICLE)
    before = snapshot(tmp_path / "data")
    with read_only(index.parent):
        proc = run(*held_to_permissions(), sys.executable, "-c", READER, str(tiny_corpus), str(index), QUESTION)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert "2018" in out["text"]
    assert snapshot(tmp_path / "data") == before, "a reader writes nothing: no lock, no old generation"
    if stale:
        said = f"the index at {index} is out of date (1 added) and cannot be written: {index.parent} is read-only"
        assert out["failed"].startswith(said) and "--index DIR" in out["failed"]
        assert f"{said}" in proc.stderr and "using the index as it is" in proc.stderr  # the warning
    else:
        assert out["failed"] is None and proc.stderr == ""
    assert "Traceback" not in proc.stderr


def test_a_read_only_folder_without_a_usable_index_is_a_clear_error(tiny_corpus: Path, tmp_path: Path) -> None:
    index = _built(tmp_path, tiny_corpus, HashingEmbedder())
    (index / "dense.faiss").write_bytes(b"damaged")
    with read_only(index.parent):
        proc = run(*held_to_permissions(), sys.executable, "-c", READER, str(tiny_corpus), str(index), QUESTION)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("assistant.errors.IndexWriteError: the index at") and "needs repair" in last
    assert str(index / "dense.faiss") in last and f"{index.parent} is read-only" in last


@pytest.mark.slow
def test_a_read_only_index_answers_through_the_cli(
    tiny_corpus: Path, tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    index = _built(tmp_path, tiny_corpus, embedder)
    cache = tmp_path / "data" / "cache"  # read-only too: no ONNX export is tried
    cache.mkdir()
    before = snapshot(tmp_path / "data")
    ask = [*held_to_permissions(), sys.executable, "-m", "assistant", "ask", QUESTION]
    folders = ["--index", str(index), "--corpus", str(tiny_corpus)]
    with read_only(index.parent):
        fresh = run(*ask, *folders, env={"ASSISTANT_CACHE_DIR": str(cache)})
        (tiny_corpus / "glaciers.txt").write_text(NEW_ARTICLE)
        stale = run(*ask, *folders, env={"ASSISTANT_CACHE_DIR": str(cache)})
        update = run(*held_to_permissions(), sys.executable, "-m", "assistant", "index", *folders,
                     env={"ASSISTANT_CACHE_DIR": str(cache)})  # fmt: skip
    assert fresh.returncode == 0, fresh.stderr
    assert "2018" in fresh.stdout and "[1] Solar farms in the desert — solar.txt" in fresh.stdout
    assert "warning" not in fresh.stderr
    assert stale.returncode == 0, stale.stderr
    assert "2018" in stale.stdout
    said = f"the index at {index} is out of date (1 added) and cannot be written: {index.parent} is read-only"
    assert f"warning: {said}" in stale.stderr and "using the index as it is" in stale.stderr
    assert update.returncode != 0  # asked to write and could not: an error, in one line
    assert (
        update.stderr.strip() == f"Error: {said}; make it writable, or build the index in another folder (--index DIR)"
    )
    assert snapshot(tmp_path / "data") == before
    for proc in (fresh, stale, update):
        assert "Traceback" not in proc.stderr
