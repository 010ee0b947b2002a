"""One page saved as Markdown and as HTML (as documentation sets ship them) is read once."""

from __future__ import annotations

from pathlib import Path

from assistant.ingest import load_corpus

PARAGRAPHS = [
    "The events module lets objects emit named events that cause listener functions to be called.",
    "By default, at most ten listeners can be registered for any single event before a warning is printed.",
    "The once method registers a listener that is called at most one time and then removed again.",
    "When an error event is emitted and no listener is registered for it, the error is thrown.",
]


def _write(folder: Path) -> None:
    folder.mkdir()
    (folder / "events.md").write_text("# Events\n\n" + "\n\n".join(PARAGRAPHS) + "\n")
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    nav = "<nav><a href='index.html'>Index</a> <a href='#toc'>Table of contents</a></nav>"
    (folder / "events.html").write_text(
        f"<html><head><title>Events</title></head><body>{nav}<h1>Events</h1>{body}</body></html>"
    )
    # the same name, another text: two articles
    (folder / "timers.md").write_text(
        "# Timers\n\nA timer calls a function once a given number of milliseconds has passed.\n"
    )
    (folder / "timers.txt").write_text(
        "Notes on timers\n\nThe interval timers of the old release drift when the process is suspended.\n"
    )
    # the same text under another name: not a copy of one page in two formats
    (folder / "emitter.md").write_text("# Emitters\n\n" + "\n\n".join(PARAGRAPHS) + "\n")


def test_a_page_in_two_formats_is_one_article_and_the_other_is_reported(tmp_path: Path) -> None:
    _write(tmp_path / "docs")
    report = load_corpus(tmp_path / "docs")
    sources = sorted(a.source for a in report.articles)
    assert sources == ["emitter.md", "events.md", "timers.md", "timers.txt"]
    assert report.skipped == {"events.html": "the same page as events.md, which is read instead"}


def test_copies_in_a_sub_folder_and_compressed_are_found_too(tmp_path: Path) -> None:
    import gzip

    _write(tmp_path / "docs")
    api = tmp_path / "docs" / "api"
    api.mkdir()
    (tmp_path / "docs" / "events.html").rename(api / "events.html")
    (api / "events.md.gz").write_bytes(gzip.compress((tmp_path / "docs" / "events.md").read_bytes()))
    report = load_corpus(tmp_path / "docs")
    assert "api/events.md.gz" in {a.source for a in report.articles}
    assert report.skipped == {"api/events.html": "the same page as api/events.md.gz, which is read instead"}


def _page(topic: str) -> str:
    return " ".join(
        f"The {topic} module, part {n}, documents call number {n} of the {topic} interface." for n in range(30)
    )


def test_a_one_page_edition_of_pages_read_one_by_one_is_left_out(tmp_path: Path) -> None:
    """Node.js's docs ship every page alone and all of them again in all.html: every answer was cited twice."""
    docs = tmp_path / "docs"
    docs.mkdir()
    topics = ["timers", "events", "streams", "buffers"]
    for topic in topics:
        (docs / f"{topic}.md").write_text(f"# {topic.title()}\n\n{_page(topic)}\n")
    (docs / "all.md").write_text("# All\n\n" + "\n\n".join(_page(t) for t in topics) + "\n")
    # a long text that quotes three pages but is mostly its own is no edition of them
    own = " ".join(
        f"Chapter {n} tells a story of its own about the harbour, the ships and the sea." for n in range(300)
    )
    (docs / "book.md").write_text("# Book\n\n" + own + "\n\n" + "\n\n".join(_page(t) for t in topics[:3]) + "\n")
    report = load_corpus(docs)
    assert sorted(a.source for a in report.articles) == [
        "book.md",
        "buffers.md",
        "events.md",
        "streams.md",
        "timers.md",
    ]
    assert report.skipped == {
        "all.md": "a one-page edition of 4 articles read one by one (buffers.md, events.md, streams.md and 1 more)"
    }
