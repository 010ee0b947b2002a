"""The index folder is ours or untouched; the corpus is what is inside the corpus folder.

Every case snapshots the user's files byte for byte, runs the assistant against them, and checks
that every byte survived and that the refusal names the folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant import Assistant
from assistant.apps.cli import cli
from assistant.embed.embedding import HashingEmbedder
from assistant.errors import UnsafeFolderError
from assistant.ingest.corpus import load_corpus
from assistant.store import folder as folder_module
from assistant.store.files import open_index
from assistant.store.files_sync import sync
from assistant.store.folder import OURS

from .conftest import TINY_ARTICLES, write_articles


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under `root` (links not followed), with a hash of each file's bytes."""
    if root.is_file():
        return {".": hashlib.sha256(root.read_bytes()).hexdigest()}
    out: dict[str, str] = {}
    for top, dirs, files in os.walk(root):
        for name in dirs:
            out[os.path.relpath(os.path.join(top, name), root) + "/"] = "dir"
        for name in files:
            path = Path(top, name)
            rel = os.path.relpath(path, root)
            out[rel] = (
                "link:" + os.readlink(path) if path.is_symlink() else hashlib.sha256(path.read_bytes()).hexdigest()
            )
    return out


def user_folder(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "notes.txt").write_text("my notes, not an index\n")
    (root / "sub").mkdir()
    (root / "sub" / "thesis.docx").write_bytes(os.urandom(2048))
    return root


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize("command", [["index"], ["ask", "When was the Noor plant completed?"], ["search", "Noor"]])
def test_index_into_a_user_folder_is_refused_and_nothing_changes(
    command: list[str], tiny_corpus: Path, tmp_path: Path
) -> None:
    folder = user_folder(tmp_path / "mine")
    before = snapshot(folder)
    code, out = run_cli(*command, "--corpus", str(tiny_corpus), "--index", str(folder))
    assert code != 0
    assert str(folder) in out and "did not write" in out and "notes.txt" in out
    assert snapshot(folder) == before
    assert not list(tmp_path.glob(".mine.*")), "nothing was created beside it either"


def test_index_onto_a_file_is_refused(tiny_corpus: Path, tmp_path: Path) -> None:
    target = tmp_path / "thesis.docx"
    target.write_bytes(b"PK\x03\x04 a real document")
    code, out = run_cli("index", "--corpus", str(tiny_corpus), "--index", str(target))
    assert code != 0 and "is a file" in out and str(target) in out
    assert target.read_bytes() == b"PK\x03\x04 a real document"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "thesis.docx"]


@pytest.mark.parametrize("where", ["same", "inside", "around"])
def test_index_may_not_overlap_the_corpus(where: str, tmp_path: Path) -> None:
    corpus = write_articles(tmp_path / "articles", TINY_ARTICLES)
    index = {"same": corpus, "inside": corpus / "idx", "around": tmp_path}[where]
    before = snapshot(tmp_path)
    code, out = run_cli("index", "--corpus", str(corpus), "--index", str(index))
    assert code != 0 and "corpus folder" in out
    assert snapshot(tmp_path) == before


def test_python_api_refuses_a_user_folder_before_reading_anything(tiny_corpus: Path, tmp_path: Path) -> None:
    folder = user_folder(tmp_path / "mine")
    before = snapshot(folder)
    bot = Assistant(tiny_corpus, folder, embedder=HashingEmbedder())
    with pytest.raises(UnsafeFolderError, match="did not write"):
        bot.ask("When was the Noor plant completed?")
    with pytest.raises(UnsafeFolderError):
        sync(load_corpus(tiny_corpus).articles, folder, HashingEmbedder())
    assert snapshot(folder) == before


def test_our_own_index_is_updated_and_an_empty_folder_used(tiny_corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    bot = Assistant(tiny_corpus, folder, embedder=HashingEmbedder())
    assert bot.index().written
    (tiny_corpus / "more.txt").write_text("Glaciers lost ten percent of their volume in 2022.")
    assert Assistant(tiny_corpus, folder, embedder=HashingEmbedder()).index().added == ["more.txt"]
    assert {p.name for p in folder.iterdir()} <= OURS
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".empty.") and not p.name.endswith(".lock")]


def test_a_user_file_dropped_into_an_index_is_never_deleted(tiny_corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "index"
    sync(load_corpus(tiny_corpus).articles, folder, HashingEmbedder())
    (folder / "my-notes.md").write_text("keep me")
    with pytest.raises(UnsafeFolderError, match=r"my-notes\.md"):
        sync(load_corpus(tiny_corpus).articles, folder, HashingEmbedder(), rebuild=True)
    assert (folder / "my-notes.md").read_text() == "keep me"
    assert open_index(folder).chunks, "and the index is still whole"


def test_a_stuck_old_generation_never_blocks_a_later_update(tiny_corpus: Path, tmp_path: Path) -> None:
    folder = tmp_path / "index"
    sync(load_corpus(tiny_corpus).articles, folder, HashingEmbedder())
    stuck = tmp_path / ".index.old"  # left by an earlier version whose clean-up failed
    stuck.mkdir()
    (stuck / "manifest.json").write_text("{}")
    (stuck / "keep.txt").write_text("not ours")
    (tiny_corpus / "more.txt").write_text("Glaciers lost ten percent of their volume in 2022.")
    report = sync(load_corpus(tiny_corpus).articles, folder, HashingEmbedder())
    assert report.added == ["more.txt"]
    assert (stuck / "keep.txt").read_text() == "not ours"


# --- every command against folders full of user files -------------------------------------

_names = st.sampled_from([*sorted(OURS), "notes.txt", "thesis.docx", "data.bin", "sub", "bm25", ".hidden"])
_tree = st.dictionaries(
    st.tuples(_names, st.sampled_from(["", "inner.txt", "manifest.json", "chunks.jsonl"])),
    st.binary(max_size=64),
    min_size=1,
    max_size=6,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=_tree, command=st.sampled_from(["index", "index-rebuild", "ask", "search", "api-ask", "api-index"]))
def test_fuzz_no_command_loses_a_user_byte(tree: dict[tuple[str, str], bytes], command: str, tmp_path: Path) -> None:
    root = tmp_path / f"case-{os.urandom(4).hex()}"
    corpus = write_articles(root / "corpus", TINY_ARTICLES)
    folder = root / "userdir"
    folder.mkdir()
    for (name, inner), data in tree.items():
        path = folder / name / inner if inner else folder / name
        if path.parent.exists() and not path.parent.is_dir():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_bytes(data)
    before = snapshot(folder)
    corpus_before = snapshot(corpus)
    bot = Assistant(corpus, folder, embedder=HashingEmbedder())
    with pytest.raises(UnsafeFolderError):
        if command == "api-ask":
            bot.ask("When was the Noor plant completed?")
        elif command == "api-index":
            bot.index(rebuild=True)
        else:
            args = {"index": ["index"], "index-rebuild": ["index", "--rebuild"], "ask": ["ask", "Noor?"],
                    "search": ["search", "Noor"]}[command]  # fmt: skip
            code, out = run_cli(*args, "--corpus", str(corpus), "--index", str(folder))
            assert code != 0, out
            raise UnsafeFolderError(out)
    assert snapshot(folder) == before
    assert snapshot(corpus) == corpus_before


# --- the corpus is what is inside the corpus folder ----------------------------------------


def test_links_out_of_the_corpus_and_special_files_are_reported_not_read(tiny_corpus: Path, tmp_path: Path) -> None:
    (tiny_corpus / "passwd.txt").symlink_to("/etc/passwd")
    (tiny_corpus / "environ.txt").symlink_to("/proc/self/environ")
    (tiny_corpus / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (tiny_corpus / "alias.txt").symlink_to(tiny_corpus / "solar.txt")  # inside: fine
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.txt").write_text("The launch code is 0000.")
    (tiny_corpus / "linked").symlink_to(outside)
    os.mkfifo(tiny_corpus / "pipe.txt")
    locked = tiny_corpus / "locked"
    locked.mkdir()
    (locked / "a.txt").write_text("Hidden away.")
    locked.chmod(0)
    try:
        report = load_corpus(tiny_corpus)
    finally:
        locked.chmod(stat.S_IRWXU)
    read = {a.source for a in report.articles}
    assert read == {"solar.txt", "bees.md", "rail.html", "alias.txt"} | (
        {"locked/a.txt"} if os.geteuid() == 0 else set()
    )
    assert "out of the corpus" in report.skipped["passwd.txt"]
    assert "out of the corpus" in report.skipped["environ.txt"]
    assert "dangling" in report.skipped["gone.txt"]
    assert "not followed" in report.skipped["linked/"]
    assert "named pipe" in report.skipped["pipe.txt"]
    if os.geteuid() != 0:  # root reads any folder
        assert "cannot be read" in report.skipped["locked/"]
    assert not any("root:" in a.text or "launch code" in a.text for a in report.articles)
    followed = load_corpus(tiny_corpus, follow_links=True)
    assert "linked/secret.txt" in {a.source for a in followed.articles}


@pytest.mark.slow
def test_cli_reports_the_link_it_did_not_follow(tiny_corpus: Path, tmp_path: Path) -> None:
    (tiny_corpus / "passwd.txt").symlink_to("/etc/passwd")
    runner = CliRunner()
    result = runner.invoke(cli, ["index", "--corpus", str(tiny_corpus), "--index", str(tmp_path / "idx")])
    assert "skipped passwd.txt" in result.output and "out of the corpus" in result.output


def test_a_corpus_without_an_index_named_never_rebuilds_the_shipped_index(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by a programmer: `Assistant(corpus_dir="my/docs")` resolved the shipped index/ and tried to
    swap their documents into it. A corpus of one's own gets an index folder of its own under the cache
    folder, by its path (two folders of one name do not share one); the shipped corpus keeps index/."""
    from assistant.settings import PROJECT_ROOT

    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ASSISTANT_INDEX", raising=False)
    monkeypatch.delenv("ASSISTANT_CORPUS", raising=False)
    shipped = snapshot(PROJECT_ROOT / "index")
    bot = Assistant(corpus_dir=tiny_corpus, embedder=HashingEmbedder())
    assert bot.settings.index_dir.parent == tmp_path / "cache" / "indexes"
    assert bot.settings.index_dir.name.startswith(tiny_corpus.name + "-")
    assert bot.search("Noor solar plant", k=1)[0].source == "solar.txt"
    assert snapshot(PROJECT_ROOT / "index") == shipped
    twin = write_articles(tmp_path / "elsewhere" / tiny_corpus.name, TINY_ARTICLES)
    assert Assistant(corpus_dir=twin).settings.index_dir != bot.settings.index_dir
    assert Assistant(corpus_dir=PROJECT_ROOT / "corpus").settings.index_dir == PROJECT_ROOT / "index"
    assert Assistant(corpus_dir=tiny_corpus, index_dir=tmp_path / "mine").settings.index_dir == tmp_path / "mine"
    monkeypatch.setenv("ASSISTANT_CORPUS", str(tiny_corpus))  # the folder named by the environment: the same
    assert Assistant().settings.index_dir == bot.settings.index_dir


def _build(where: Path, marker: str) -> Path:
    """A finished build of ours: the README that marks an index folder, and a manifest."""
    where.mkdir()
    (where / folder_module.README).write_text(folder_module.README_HEAD + "\n")
    (where / folder_module.MANIFEST).write_text(json.dumps({"marker": marker}))
    return where


def test_a_file_put_in_the_index_folder_during_a_rebuild_stays_where_it_was_put(tmp_path: Path) -> None:
    """Found by a user testing races: a file saved into the index folder after the build had checked it
    went aside with the old generation, into a hidden folder. It is put back where it was saved."""
    index = _build(tmp_path / "idx", "old")
    (index / "draft.txt").write_text("written during the build")
    new = _build(tmp_path / ".idx.tmp-abcd1234", "new")
    folder_module.swap(new, index, lambda step: None)
    assert (index / "draft.txt").read_text() == "written during the build"
    assert json.loads((index / folder_module.MANIFEST).read_text()) == {"marker": "new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["idx"]  # no hidden folder left holding it


def test_a_shared_empty_folder_keeps_its_permissions_when_the_index_is_built_in_it(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o2775)
    new = _build(tmp_path / ".shared.tmp-abcd1234", "new")
    folder_module.swap(new, shared, lambda step: None)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o2775 and (shared / folder_module.MANIFEST).exists()
    rebuilt = _build(tmp_path / ".shared.tmp-efgh5678", "rebuilt")  # a later build takes its place
    folder_module.swap(rebuilt, shared, lambda step: None)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o2775
    assert json.loads((shared / folder_module.MANIFEST).read_text()) == {"marker": "rebuilt"}


def test_a_users_own_copy_named_like_a_leftover_is_not_cleared(tmp_path: Path) -> None:
    index = _build(tmp_path / "idx", "current")
    backup = _build(tmp_path / ".idx.old-mybackup", "the user's copy")
    leftover = _build(tmp_path / ".idx.old-0123abcd", "ours")
    folder_module.recover(index, building=True)
    assert backup.is_dir() and not leftover.exists()


def test_an_index_in_a_hidden_folder_of_the_corpus_is_allowed(tmp_path: Path) -> None:
    """Found by a user: with their home folder as the corpus, the default index under ~/.cache was refused
    as "inside the corpus folder", though hidden folders are never read. A visible sub-folder still is."""
    home = write_articles(tmp_path / "home", TINY_ARTICLES)
    bot = Assistant(home, home / ".cache" / "assistant" / "idx", embedder=HashingEmbedder())
    assert set(bot.sources) == set(TINY_ARTICLES)
    with pytest.raises(UnsafeFolderError, match="inside the corpus folder"):
        Assistant(home, home / "notes" / "idx", embedder=HashingEmbedder()).index()
