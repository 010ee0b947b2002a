"""The whole-article latency bench's collection: real articles, one file each, and nothing overwritten."""

from __future__ import annotations

from pathlib import Path

from assistant.measure.collection_bench import wiki_articles, write_corpus


def test_the_large_collection_is_distinct_real_articles_each_in_its_own_file(tmp_path: Path) -> None:
    articles = wiki_articles(50)
    assert len(articles) == 50
    assert len({text for _, text in articles}) == 50 and all(text.strip() for _, text in articles)
    write_corpus(tmp_path, articles)
    files = sorted(tmp_path.glob("*.txt"))
    assert len(files) == 50
    first = files[0].read_text(encoding="utf-8")
    assert first.splitlines()[0] == articles[0][0] and articles[0][1] in first  # title line, then the text


def test_writing_the_collection_again_leaves_existing_files_alone(tmp_path: Path) -> None:
    articles = wiki_articles(3)
    write_corpus(tmp_path, articles)
    mine = sorted(tmp_path.glob("*.txt"))[1]
    mine.write_text("edited by hand\n", encoding="utf-8")
    write_corpus(tmp_path, articles)
    assert mine.read_text(encoding="utf-8") == "edited by hand\n"
