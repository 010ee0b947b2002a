"""A question does not wait for every file of an unchanged corpus folder to be read again (found by a new
user: each `assistant ask` over 53 Debian manuals, PDFs among them, read them all first: 7 s against
2 s now), and every change to the folder is still found."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.embed.embedding import HashingEmbedder
from assistant.ingest import chunking
from assistant.store import stamps

from .conftest import TINY_ARTICLES, write_articles


def _fresh(corpus: Path, index: Path, **kwargs: object) -> Assistant:
    return Assistant(corpus, index, embedder=HashingEmbedder(), **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def no_reading(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each time the corpus folder is read; files written a moment ago count as settled."""
    import assistant.core

    monkeypatch.setattr(stamps, "RACY_NS", 0)

    reads: list[str] = []
    real = assistant.core.load_corpus

    def counted(*args: object, **kwargs: object) -> object:
        reads.append("read")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(assistant.core, "load_corpus", counted)
    return reads


def test_an_unchanged_folder_is_not_read_again(tmp_path: Path, no_reading: list[str]) -> None:
    corpus = write_articles(tmp_path / "corpus", TINY_ARTICLES)
    first = _fresh(corpus, tmp_path / "index").ask("When did the sleeper train restart?")
    assert no_reading == ["read"] and "December 2021" in first.text
    again = _fresh(corpus, tmp_path / "index").ask("When did the sleeper train restart?")
    assert no_reading == ["read"], "an unchanged folder was read again"
    assert again.text == first.text


def test_every_change_to_the_folder_is_still_found(tmp_path: Path, no_reading: list[str]) -> None:
    corpus = write_articles(tmp_path / "corpus", TINY_ARTICLES)
    index = tmp_path / "index"
    _fresh(corpus, index).ask("When did the sleeper train restart?")
    solar = corpus / "solar.txt"
    text = solar.read_text()
    solar.write_text(text.replace("580 megawatts", "910 megawatts"))  # same size, new content
    assert len(solar.read_text()) == len(text)
    assert "910" in _fresh(corpus, index).ask("How much electricity does the Noor plant produce?").text
    (corpus / "tea.txt").write_text("Tea was first grown in Darjeeling in 1841 by Archibald Campbell.")
    assert "1841" in _fresh(corpus, index).ask("When was tea first grown in Darjeeling?").text
    (corpus / "tea.txt").unlink()
    assert "tea.txt" not in _fresh(corpus, index).sources
    (corpus / "metadata.json").write_text('{"solar.txt": {"title": "Noor in the desert"}}')
    assert _fresh(corpus, index).sources["solar.txt"]["title"] == "Noor in the desert"
    assert len(no_reading) == 5  # the first question and each of the four changes, nothing else


def test_other_settings_or_another_index_read_the_folder(tmp_path: Path, no_reading: list[str]) -> None:
    corpus = write_articles(tmp_path / "corpus", TINY_ARTICLES)
    _fresh(corpus, tmp_path / "index").ask("When did the sleeper train restart?")
    from assistant.settings import Settings

    smaller = Settings(chunking=chunking.ChunkSettings(chunk_tokens=60, overlap_tokens=10))
    _fresh(corpus, tmp_path / "index", settings=smaller).ask("When did the sleeper train restart?")
    _fresh(corpus, tmp_path / "other-index").ask("When did the sleeper train restart?")
    assert len(no_reading) == 3


def test_a_stamp_that_cannot_be_kept_costs_only_a_read(
    tmp_path: Path, no_reading: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = write_articles(tmp_path / "corpus", TINY_ARTICLES)
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(tmp_path / "not-a-folder"))  # no stamp can be written there
    for _ in range(2):
        assert "December 2021" in _fresh(corpus, tmp_path / "index").ask("When did the sleeper train restart?").text
    assert len(no_reading) == 2


def test_a_folder_changed_a_moment_ago_is_read_again(tmp_path: Path) -> None:
    """A second edit of the same size within a coarse clock's tick leaves the same stat data behind: a
    folder with a file changed in the last two seconds gets no stamp (git's "racily clean" files)."""
    corpus = write_articles(tmp_path / "corpus", TINY_ARTICLES)
    assert stamps.files(corpus, False) == ""
    old = time.time() - 10
    for path in corpus.iterdir():
        os.utime(path, (old, old))
    assert stamps.files(corpus, False) == ""  # setting the times back is itself a change (its ctime)
