"""An existing index is not replaced by a folder that lacks most of its articles (a mistyped --corpus) unless
that is asked for: one refusal, in one line, for the index folder and PostgreSQL, the CLI and the Python API;
a folder pruned on purpose still updates it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant import Assistant, IndexReplaceError
from assistant.embed.embedding import SentenceTransformerEmbedder
from assistant.ingest.chunking import ChunkSettings
from assistant.ingest.corpus import load_corpus
from assistant.store import files_sync, replacement

from .conftest import CORPUS, SHIPPED_INDEX, TINY_ARTICLES, write_articles
from .test_cli import run

SHIPPED = sorted(p.name for p in CORPUS.glob("*.txt"))  # the five articles the shipped index holds
QUESTION = "When were diplomatic relations established?"


def _refusal(index: str, folder: Path, another: str = "--index") -> str:
    return (
        f"{index} holds 5 articles and {folder} keeps 0 of them: indexing it would remove 5, so nothing was "
        "changed; to replace the index with this folder's articles, add --replace to `assistant index`; "
        f"to keep it, give this folder another {another}"
    )


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _held(index: Path) -> set[str]:
    return set(json.loads((index / "manifest.json").read_text(encoding="utf-8"))["articles"])


@pytest.fixture
def cloned_index(tmp_path: Path) -> Path:
    """The shipped index as a clone of the repository has it: in another place than it was built in."""
    return Path(shutil.copytree(SHIPPED_INDEX, tmp_path / "clone" / "index"))


def test_the_rule_is_more_than_half_and_at_least_five() -> None:
    cases = {  # (articles held, kept): refused
        (5, 2): False,  # 3 of the 5 shipped articles deleted on purpose: the index follows the folder
        (5, 1): False,  # 4 removed: fewer than a handful, re-indexed in seconds if it was a mistake
        (5, 0): True,  # a folder with none of them
        (4, 0): False,
        (10, 5): False,  # half
        (10, 4): True,  # more than half
        (9, 4): True,
        (1000, 20): True,  # a wrong folder that shares a README.md or two
        (1000, 600): False,
    }
    assert {case: replacement.removes_most(*case) for case in cases} == cases


@pytest.mark.slow
def test_assistant_index_refuses_another_folder_in_one_line_and_replace_proceeds(
    cloned_index: Path, tmp_path: Path
) -> None:
    other = write_articles(tmp_path / "other", TINY_ARTICLES)
    (tmp_path / "empty").mkdir()
    before = _files(cloned_index)
    for extra in ([], ["--rebuild"]):  # re-embedding is not consent to lose the articles
        proc = run("index", "--corpus", str(other), "--index", str(cloned_index), *extra)
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.splitlines() == [
            f"Indexing {other} into {cloned_index} …",
            f"Error: {_refusal(f'the index at {cloned_index}', other)}",
        ]
        assert proc.stdout == ""
    for extra in ([], ["--replace"]):  # an empty folder never empties an index, even when replacing is asked
        proc = run("index", "--corpus", str(tmp_path / "empty"), "--index", str(cloned_index), *extra)
        assert proc.returncode == 1 and "Error: the corpus holds no readable articles" in proc.stderr
    assert _files(cloned_index) == before

    proc = run("index", "--corpus", str(other), "--index", str(cloned_index), "--replace")
    assert proc.returncode == 0, proc.stderr
    assert "updated: 3 added, 5 removed" in proc.stdout and "(3 articles indexed)" in proc.stdout
    assert _held(cloned_index) == set(TINY_ARTICLES)


@pytest.mark.slow
def test_the_python_api_refuses_a_wrong_folder_answers_from_the_index_as_it_was_and_follows_a_pruned_one(
    cloned_index: Path, tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    other = write_articles(tmp_path / "other", TINY_ARTICLES)
    before = _files(cloned_index)
    bot = Assistant(corpus_dir=other, index_dir=cloned_index, embedder=embedder)
    for rebuild in (False, True):
        with pytest.raises(IndexReplaceError) as refused:
            bot.index(rebuild=rebuild)
        assert str(refused.value) == _refusal(f"the index at {cloned_index}", other)
    answer = bot.ask(QUESTION)  # a question is answered from the index as it was, and says so
    assert not answer.abstained and answer.citations[0].source in SHIPPED
    assert any("could not be brought up to date (the index at" in n for n in answer.notices), answer.notices
    assert _files(cloned_index) == before

    with pytest.raises(IndexReplaceError):  # vectors made with other settings: what it holds still counts
        files_sync.sync(load_corpus(other).articles, cloned_index, embedder, ChunkSettings(chunk_tokens=100))
    assert _files(cloned_index) == before

    pruned = Path(shutil.copytree(CORPUS, tmp_path / "pruned"))
    for name in SHIPPED[:3]:
        (pruned / name).unlink()
    report = Assistant(corpus_dir=pruned, index_dir=cloned_index, embedder=embedder).index()
    assert report.written and report.removed == SHIPPED[:3] and report.embedded_chunks == 0
    assert _held(cloned_index) == set(SHIPPED[3:])


@pytest.mark.slow
@pytest.mark.postgres
def test_a_database_index_is_refused_the_same_way_and_replaced_when_asked(
    tmp_path: Path, pg_url: str, embedder: SentenceTransformerEmbedder
) -> None:
    pg_store = pytest.importorskip("assistant.store.postgres")
    Assistant(corpus_dir=CORPUS, store=pg_url, embedder=embedder).index()
    name, database = pg_store.parse_location(pg_url)[1], pg_store.redact(pg_store.parse_location(pg_url)[0])
    generation = pg_store.open_index(pg_url).schema
    other = write_articles(tmp_path / "other", TINY_ARTICLES)
    for extra in ([], ["--rebuild"]):
        proc = run("index", "--corpus", str(other), "--store", pg_url, *extra)
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.splitlines() == [
            f"Indexing {other} into {pg_store.redact(pg_url)} …",
            f"Error: {_refusal(f'the index {name!r} in {database}', other, '?index=NAME')}",
        ]
    data = pg_store.open_index(pg_url)
    assert data.schema == generation and set(data.articles) == set(SHIPPED)  # the same generation, untouched

    with pytest.raises(IndexReplaceError):
        Assistant(corpus_dir=other, store=pg_url, embedder=embedder).index()
    report = Assistant(corpus_dir=other, store=pg_url, embedder=embedder).index(replace=True)
    assert report.written and report.removed == SHIPPED and sorted(report.added) == sorted(TINY_ARTICLES)
    assert set(pg_store.open_index(pg_url).articles) == set(TINY_ARTICLES)
