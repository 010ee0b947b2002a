"""A messy folder of documents is read for what it holds (found by a user testing odd files): one bad file
is reported and passed over, never the end of the whole run, and nothing of the user's changes."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.embed.embedding import HashingEmbedder
from assistant.ingest.corpus import NOT_UTF8, load_corpus

from .conftest import TINY_ARTICLES, write_articles

WRAPPED = (
    "GNU coreutils is the union of the fileutils, shellutils\nand textutils packages, "
    "merged in 2002 by the\nmaintainers of the three.\n\nIt ships ls, cp and cat."
)


def test_a_loop_of_links_is_passed_over_and_the_rest_is_read(tmp_path: Path) -> None:
    corpus = write_articles(tmp_path / "c", TINY_ARTICLES)
    os.symlink("loopB.txt", corpus / "loopA.txt")
    os.symlink("loopA.txt", corpus / "loopB.txt")
    os.symlink("self.txt", corpus / "self.txt")
    report = load_corpus(corpus)
    assert {a.source for a in report.articles} == set(TINY_ARTICLES)
    assert report.skipped["self.txt"] == "a link that leads back to itself"
    assert {"loopA.txt", "loopB.txt"} <= set(report.skipped)


def test_a_file_name_that_is_not_utf8_is_reported_and_the_index_is_built(tmp_path: Path) -> None:
    corpus = write_articles(tmp_path / "c", TINY_ARTICLES)
    (Path(os.fsdecode(bytes(corpus) + b"/caf\xe9_notes.txt"))).write_text("Notes on the cafe menu, 2021.")
    bot = Assistant(corpus, tmp_path / "index", embedder=HashingEmbedder())
    report = bot.index()
    assert report.skipped == {"caf\ufffd_notes.txt": NOT_UTF8}
    assert set(bot.sources) == set(TINY_ARTICLES)


def test_a_damaged_word_file_is_reported_not_the_end_of_the_run(tmp_path: Path) -> None:
    corpus = write_articles(tmp_path / "c", TINY_ARTICLES)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as docx:
        docx.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types></Types>')
        docx.writestr("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="urn:x"><w:body><w:p')
    (corpus / "cut.docx").write_bytes(buffer.getvalue())
    report = load_corpus(corpus)
    assert {a.source for a in report.articles} == set(TINY_ARTICLES)
    assert report.skipped["cut.docx"].startswith("cannot be read")


@pytest.mark.parametrize("ending", ["\r", "\r\n", "mixed"])
def test_old_mac_and_mixed_line_ends_read_like_unix_ones(tmp_path: Path, ending: str) -> None:
    lines = WRAPPED.split("\n")
    ends = ["\r", "\n", "\r\n"] * len(lines) if ending == "mixed" else [ending] * len(lines)
    unix = write_articles(tmp_path / "unix", {"coreutils.txt": WRAPPED})
    other = tmp_path / "other"
    other.mkdir()
    (other / "coreutils.txt").write_bytes("".join(line + end for line, end in zip(lines, ends, strict=False)).encode())
    assert load_corpus(other).articles[0].text == load_corpus(unix).articles[0].text


def test_the_current_folder_as_the_index_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`cd idx && assistant index --index .` built the index in place of the folder, leaving the shell in a
    deleted one; the next `assistant ask --index .` crashed. A first build fills the empty folder."""
    corpus = write_articles(tmp_path / "c", TINY_ARTICLES)
    (tmp_path / "idx").mkdir()
    monkeypatch.chdir(tmp_path / "idx")
    Assistant(corpus, ".", embedder=HashingEmbedder()).index()
    assert Path.cwd() == tmp_path / "idx"  # still there
    answer = Assistant(corpus, ".", embedder=HashingEmbedder()).ask("When did the sleeper train restart?")
    assert "December 2021" in answer.text and (tmp_path / "idx" / "manifest.json").exists()


def test_a_link_out_of_the_folder_says_how_to_follow_it_and_the_cli_can(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The message said "set follow_links", which only the Python API can; ASSISTANT_FOLLOW_LINKS=1 does it
    for the CLI and the chat."""
    corpus = write_articles(tmp_path / "c", TINY_ARTICLES)
    outside = write_articles(tmp_path / "elsewhere", {"tea.txt": "Tea was first grown in Darjeeling in 1841."})
    os.symlink(outside / "tea.txt", corpus / "tea.txt")
    assert "ASSISTANT_FOLLOW_LINKS=1" in load_corpus(corpus).skipped["tea.txt"]
    monkeypatch.setenv("ASSISTANT_FOLLOW_LINKS", "1")
    bot = Assistant(corpus, tmp_path / "index", embedder=HashingEmbedder())
    assert "tea.txt" in bot.sources
