"""Index faults say what happened: a read-only index is read, leftovers never block, a full disk is named.

Read-only cases run the reader in a process held to file permissions. As root, where chmod
denies nothing, that process is root without the capabilities that override permissions
(CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER): it meets a read-only folder as its owner
would. (Not `nobody`: the interpreter may live under /root, and pytest's tmp folder is 0700.)
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.embed.embedding import HashingEmbedder, SentenceTransformerEmbedder
from assistant.errors import IndexWriteError
from assistant.ingest.corpus import load_corpus
from assistant.store.files import open_index
from assistant.store.files_sync import sync

from .conftest import ROOT
from .test_folder_safety import snapshot

QUESTION = "When was the Noor plant completed?"
NEW_ARTICLE = "Glaciers in the Alps lost ten percent of their volume during the summers of 2022 and 2023."
DROPPED = "-dac_override,-dac_read_search,-fowner"

READER = textwrap.dedent(
    """
    import json, sys
    from assistant import Assistant
    from assistant.embed.embedding import HashingEmbedder

    bot = Assistant(sys.argv[1], sys.argv[2], embedder=HashingEmbedder())
    answer = bot.ask(sys.argv[3])
    print(json.dumps({"text": answer.text, "failed": bot.last_sync.failed, "notices": answer.notices}))
    """
)

SYNC = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from assistant.ingest.corpus import load_corpus
    from assistant.embed.embedding import HashingEmbedder
    from assistant.store.files_sync import sync

    print(sync(load_corpus(Path(sys.argv[1])).articles, Path(sys.argv[2]), HashingEmbedder()).added)
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
        # and the answer says so too (found by a programmer: only the log did)
        assert out["notices"] == [f"The index could not be brought up to date ({out['failed']}): answers come from "
                                  "it as it was."]  # fmt: skip
    else:
        assert out["failed"] is None and proc.stderr == "" and out["notices"] == []
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
    assert update.returncode != 0  # asked to write and could not: an error, in one line (after where it went)
    assert update.stderr.strip().splitlines() == [
        f"Indexing {tiny_corpus} into {index} …",
        f"Error: {said}; make it writable, or build the index in another folder (--index DIR)",
    ]
    assert snapshot(tmp_path / "data") == before
    for proc in (fresh, stale, update):
        assert "Traceback" not in proc.stderr


# --- 2. leftovers never block an update -----------------------------------------------------


def test_leftovers_of_interrupted_and_read_only_swaps_never_block_an_update(tiny_corpus: Path, tmp_path: Path) -> None:
    index = _built(tmp_path, tiny_corpus, HashingEmbedder())
    data = index.parent
    old = data / ".index.old-1a2b3c4d"  # a swap whose clean-up could not delete the old generation
    shutil.copytree(index, old)
    subprocess.run(["chmod", "-R", "a-w", str(old)], check=True)
    interrupted = data / ".index.tmp-x7k2m9q1"  # a build killed while writing
    interrupted.mkdir()
    for name in ("README.md", "articles.jsonl", "chunks.jsonl"):
        shutil.copy(index / name, interrupted / name)
    (interrupted / "vectors.npy").write_bytes((index / "vectors.npy").read_bytes()[:100])
    theirs = {data / ".index.old-99999999": "thesis.docx", data / ".index.tmp-mine": "notes.txt"}
    for folder, name in theirs.items():  # our names, not our contents
        folder.mkdir()
        (folder / "manifest.json").write_text('{"schema_version": 2, "files": {}}')
        (folder / name).write_text("not the assistant's")
    kept = {folder: snapshot(folder) for folder in theirs}
    (tiny_corpus / "glaciers.txt").write_text(NEW_ARTICLE)

    proc = run(*held_to_permissions(), sys.executable, "-c", SYNC, str(tiny_corpus), str(index))

    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['glaciers.txt']"
    assert "glaciers.txt" in open_index(index).articles
    assert not old.exists() and not interrupted.exists(), "our leftovers are cleaned, the read-only one too"
    assert {folder: snapshot(folder) for folder in theirs} == kept, "what is not ours stays as it was"
    assert sorted(p.name for p in data.iterdir()) == [".index.lock", ".index.old-99999999", ".index.tmp-mine", "index"]


# --- 3. a full disk says what happened ------------------------------------------------------


@contextlib.contextmanager
def small_disk(where: Path, size: str = "1m") -> Iterator[Path]:
    """A real file system of `size` (tmpfs), mounted for the test; needs root."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root; the injected ENOSPC cases cover this fault")
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def fill(disk: Path) -> None:
    """Write a filler file until the file system has no space left."""
    with (disk / "filler").open("wb", buffering=0) as fh, contextlib.suppress(OSError):
        while True:
            fh.write(b"\0" * 4096)


def free(disk: Path) -> int:
    return os.statvfs(disk).f_bavail


FULL = re.compile(r"no space left on device while writing (\S+); the previous index is untouched")


def test_a_full_disk_is_named_and_the_previous_index_answers(tiny_corpus: Path, tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        index = disk / "index"
        sync(load_corpus(tiny_corpus).articles, index, HashingEmbedder())
        fill(disk)
        before, space = snapshot(index), free(disk)
        (tiny_corpus / "glaciers.txt").write_text(NEW_ARTICLE)
        bot = Assistant(tiny_corpus, index, embedder=HashingEmbedder())
        with pytest.raises(IndexWriteError) as caught:
            bot.index()
        said = FULL.fullmatch(str(caught.value))
        assert said is not None, str(caught.value)
        assert re.fullmatch(rf"{re.escape(str(disk))}/\.index\.tmp-\w+/[\w.]+", said.group(1))
        assert snapshot(index) == before, "the previous index, byte for byte"
        assert not list(disk.glob(".index.tmp-*")) and free(disk) == space, "the temporary build is removed"
        answer = bot.ask(QUESTION)  # reading still works: the index as it was
        assert "2018" in answer.text
        assert bot.last_sync is not None and FULL.fullmatch(bot.last_sync.failed or "")
        assert "glaciers.txt" not in open_index(index).articles


@pytest.mark.parametrize(
    ("code", "said"),
    [(errno.ENOSPC, "no space left on device"), (errno.EIO, "input/output error"), (errno.EDQUOT, "disk quota")],
)
def test_a_failed_write_is_named_and_the_previous_index_answers(
    code: int, said: str, tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.store import dense

    index = tmp_path / "index"
    sync(load_corpus(tiny_corpus).articles, index, HashingEmbedder())
    before = snapshot(index)
    write = dense.save

    def fails_midway(data: object, path: Path) -> None:
        write(data, path)
        raise OSError(code, os.strerror(code))  # the disk filled up as the file was written

    monkeypatch.setattr(dense, "save", fails_midway)
    (tiny_corpus / "glaciers.txt").write_text(NEW_ARTICLE)
    with pytest.raises(IndexWriteError) as caught:
        sync(load_corpus(tiny_corpus).articles, index, HashingEmbedder())
    pattern = re.compile(
        rf"{said}[\w ]* while writing {re.escape(str(tmp_path))}/\.index\.tmp-\w+/dense\.faiss; "
        "the previous index is untouched"
    )
    assert pattern.fullmatch(str(caught.value)), str(caught.value)
    assert snapshot(index) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".index.lock", "corpus", "index"]
    bot = Assistant(tiny_corpus, index, embedder=HashingEmbedder())
    assert "2018" in bot.ask(QUESTION).text
    assert bot.last_sync is not None and pattern.fullmatch(bot.last_sync.failed or "")


@pytest.mark.slow
def test_the_cli_says_the_disk_is_full_in_one_line(
    tiny_corpus: Path, tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    with small_disk(tmp_path / "disk", "4m") as disk:
        index = disk / "index"
        sync(load_corpus(tiny_corpus).articles, index, embedder)
        fill(disk)
        before = snapshot(index)
        (tiny_corpus / "glaciers.txt").write_text(NEW_ARTICLE)
        folders = ["--index", str(index), "--corpus", str(tiny_corpus)]
        update = run(sys.executable, "-m", "assistant", "index", *folders)
        ask = run(sys.executable, "-m", "assistant", "ask", QUESTION, *folders)
        assert snapshot(index) == before and not list(disk.glob(".index.tmp-*"))
    assert update.returncode != 0
    where, *progress, line = [p for p in update.stderr.strip().splitlines() if p]  # where, the bar (\r-drawn), one line
    assert line.startswith("Error: ") and FULL.fullmatch(line.removeprefix("Error: ")), update.stderr
    assert where == f"Indexing {tiny_corpus} into {index} …"
    assert all(p.startswith("Embedding") for p in progress), update.stderr
    assert ask.returncode == 0, ask.stderr
    assert "2018" in ask.stdout
    assert "warning: no space left on device while writing" in ask.stderr and "using the index as it is" in ask.stderr
    for proc in (update, ask):
        assert "Traceback" not in proc.stderr


@contextlib.contextmanager
def _build_lock_held(index: Path) -> Iterator[None]:
    """Another process holding the index's build lock, as a running `assistant index` does."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom filelock import FileLock\n"
         "with FileLock(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(60)",
         str(index.with_name(f".{index.name}.lock"))],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()


def test_a_question_asked_while_another_process_indexes_is_answered_from_the_index_as_it_is(
    tiny_corpus: Path, tmp_path: Path
) -> None:
    """`assistant ask` during an `assistant index` of the same folder answered only when the build ended
    (minutes on a big folder, found by a user); now it answers at once from the index there is."""
    index = tmp_path / "index"
    Assistant(tiny_corpus, index, embedder=HashingEmbedder()).index()
    (tiny_corpus / "alps.txt").write_text("Glaciers of the Alps lost ten percent of their ice in 2022.")
    with _build_lock_held(index):
        reader = Assistant(tiny_corpus, index, embedder=HashingEmbedder())
        assert reader.search("solar", k=1)  # at once, from the index as it was
        assert reader.last_sync is not None and "another `assistant index` is writing it" in (
            reader.last_sync.failed or ""
        )
        assert "alps.txt" not in reader.sources
    assert Assistant(tiny_corpus, index, embedder=HashingEmbedder()).index().added == ["alps.txt"]


def test_an_index_whose_corpus_folder_is_gone_says_so_with_each_answer(tiny_corpus: Path, tmp_path: Path) -> None:
    """Found by a programmer: an existing index whose corpus folder is gone answered with no word of it."""
    from assistant import Assistant

    index = _built(tmp_path, tiny_corpus, HashingEmbedder())
    gone = tmp_path / "moved-away"
    answer = Assistant(gone, index, embedder=HashingEmbedder()).ask(QUESTION)
    assert "2018" in answer.text
    assert answer.notices == [f"The corpus folder {gone} is not there: answers come from the index as it was."]
    assert Assistant(tiny_corpus, index, embedder=HashingEmbedder()).ask(QUESTION).notices == []


@pytest.mark.slow
def test_a_question_while_the_first_index_is_being_built_says_there_is_none_yet(
    tiny_corpus: Path, tmp_path: Path
) -> None:
    """Found by a user: it printed "warning: another `assistant index` is writing it; using the index as it
    is", then "Error: another `assistant index` is writing it", when there was no index to use."""
    from click.testing import CliRunner

    from assistant.apps.cli import cli

    index = tmp_path / "index"
    with _build_lock_held(index):
        result = CliRunner().invoke(cli, ["ask", "When?", "--corpus", str(tiny_corpus), "--index", str(index)])
    assert result.exit_code != 0 and "using the index as it is" not in result.output
    assert "there is no index to answer from yet: another `assistant index` is writing it" in result.output
