"""Sections: each passage's heading path, from HTML headings, Word heading styles and a PDF's outline."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant
from assistant.apps.ui_render import render_sources
from assistant.embed.embedding import SentenceTransformerEmbedder
from assistant.ingest.corpus import read_article
from assistant.ingest.sections import locate, path_at
from assistant.records import Answer, Citation

from .conftest import ROOT

SQLITE = ROOT / "eval" / "sqlite" / "corpus"


def test_html_sections_are_found_after_the_table_of_contents() -> None:
    """SQLite's "Atomic Commit" page lists its 48 headings in a table of contents first; the cleaner keeps
    only the first of those repeated short lines, so each section is found by the text that follows it."""
    article = read_article(SQLITE / "atomiccommit.html", "atomiccommit.html")
    assert len(article.headings) == 48
    starts = [start for start, _, _ in article.headings]
    assert starts == sorted(starts)
    toc_end = article.text.index("10. Future Directions And Conclusion")  # the contents' last line, near the top
    assert all(start > toc_end for start in starts)
    (deleting,) = [h for h in article.headings if "Deleting The Rollback Journal" in h[2]]
    assert article.text.index("Deleting The Rollback Journal") < toc_end < deleting[0]  # named in the contents first
    path = path_at(article.headings, deleting[0] + 200, article.title)
    assert path is not None and path.startswith("3. Single File Commit › 3.11.")
    intro = article.headings[0][0]
    assert path_at(article.headings, intro, article.title) == "1. Introduction"
    assert path_at(article.headings, intro - 1, article.title) is None  # before the first section


def test_a_function_heading_whose_line_is_a_repeat_is_found_at_its_own_signature(tmp_path: Path) -> None:
    """An API reference (gtk-doc) lists its functions first and gives each a heading and a signature that
    begins "int" on a line of its own; located by "int" alone, a heading landed at some later "int" line
    and a citation about asn1_delete_structure was labelled "asn1_parser2array ()" (found by a new user)."""
    functions = ["widget_open", "widget_close", "widget_free"]
    toc = "".join(f"<tr><td>int</td><td>{f} ()</td></tr>" for f in functions)
    body = "".join(
        f'<h3>{f} ()</h3><pre><span class="returnvalue">int</span>\n<span class="function">{f}</span> (widget *w,'
        f"\n      int flags);</pre><p>The {f} call does its work.</p>"
        f"<h4>Returns</h4><p>0 on success.</p>"
        for f in functions
    )
    page = tmp_path / "api.html"
    page.write_text(
        f"<html><head><title>API</title></head><body><h2>Functions</h2><table>{toc}</table>{body}</body></html>"
    )
    article = read_article(page, "api.html")
    starts = {title: start for start, _, title in article.headings}
    for f in functions:
        assert starts[f"{f} ()"] == article.text.index(f"\n{f} ()\n") + 1, f  # its own line, not the contents'
        at = article.text.index(f"The {f} call does its work.")
        assert path_at(article.headings, at, article.title) == f"Functions › {f} ()", f


def test_a_heading_path_nests_by_level_and_leaves_out_the_article_title() -> None:
    text = "Guide\nIntro text.\nInstall\nSteps here.\nOn Linux\nUse apt.\nUsage\nRun it."
    headings = [(1, "Guide", 0, ""), (2, "Install", 0, "Steps here."), (3, "On Linux", 0, "Use apt."),
                (2, "Usage", 0, "Run it.")]  # fmt: skip
    found = locate(text, headings)
    assert [h[2] for h in found] == ["Guide", "Install", "On Linux", "Usage"]
    assert path_at(found, text.index("Use apt."), "Guide") == "Install › On Linux"
    assert path_at(found, text.index("Run it."), "Guide") == "Usage"
    assert path_at(found, text.index("Run it."), "Other title") == "Guide › Usage"


def test_word_headings_and_a_pdf_outline_give_sections(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = "Notes on bzip2"
    document.add_heading("Compression", level=1)
    document.add_paragraph("The block size is set with a flag from one to nine hundred kilobytes.")
    document.add_heading("Memory", level=2)
    document.add_paragraph("Larger blocks need more memory to compress and to decompress.")
    document.save(str(tmp_path / "notes.docx"))
    article = read_article(tmp_path / "notes.docx", "notes.docx")
    at = article.text.index("Larger blocks")
    assert path_at(article.headings, at, article.title) == "Compression › Memory"

    pdf = read_article(ROOT / "tests" / "documents" / "fontconfig-user.pdf", "fontconfig-user.pdf")
    assert pdf.headings, "the PDF's outline gives its sections"
    assert all(pdf.text[start:].casefold().startswith(title.casefold()[:4]) or title.casefold() in
               pdf.text[start : start + 200].casefold() for start, _, title in pdf.headings)  # fmt: skip


def test_a_source_card_shows_the_section() -> None:
    cited = Citation(1, "a.html", "Atomic Commit", "Some text here.", 10, 25, 0, 15, section="3. Commit › 3.1. State")
    html = render_sources(Answer("It does [1].", False, citations=[cited]), {}, "a1")
    assert '<div class="source-section">3. Commit › 3.1. State</div>' in html


@pytest.mark.slow
def test_citations_name_their_section(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("atomiccommit.html", "autoinc.html"):
        (corpus / name).write_bytes((SQLITE / name).read_bytes())
    bot = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index", embedder=embedder)
    answer = bot.ask("What happens when the rollback journal is deleted?")
    assert not answer.abstained and answer.citations
    for c in answer.citations:
        article = bot._ready().data.articles[c.source]
        assert c.section == path_at(article.headings, c.start + c.sentence_start, article.title)
    assert any(c.section for c in answer.citations)


def test_a_headings_permalink_mark_is_not_part_of_it(tmp_path: Path) -> None:
    """Node.js's pages end each heading with a "#" link, Sphinx and Texinfo with "¶": the section was
    "Timers #" (and placed wrong, as the text read "Timers#"), a definition line ended in "¶"."""
    page = tmp_path / "timers.html"
    page.write_text(
        "<html><head><title>Timers</title></head><body><main>"
        '<h2>Timers<a class="mark" href="#timers" id="timers">#</a></h2>'
        "<p>The timer module exposes a global API for scheduling functions to be called later.</p>"
        '<h3>setTimeout(callback, delay) <a class="headerlink" href="#settimeout" title="Permalink">¶</a></h3>'
        "<p>Schedules execution of a one-time callback after delay milliseconds have passed.</p>"
        '<dl><dt>Function: void clear_timer (timer *t)<a class="copiable-link" href="#index-clear"> ¶</a></dt>'
        "<dd>Cancels a timer made before.</dd></dl>"
        '<p>See <a href="#settimeout">setTimeout</a> for the one-time timer.</p>'
        "</main></body></html>"
    )
    article = read_article(page, "timers.html")
    assert [title for _, _, title in article.headings] == ["Timers", "setTimeout(callback, delay)"]
    assert "#" not in article.text and "¶" not in article.text
    assert "Function: void clear_timer (timer *t)\n" in article.text
    assert "See setTimeout for the one-time timer." in article.text  # a link with words stays
    starts = [start for start, _, _ in article.headings]
    assert [article.text[s : s + 6] for s in starts] == ["Timers", "setTim"]


def test_navigation_named_by_its_aria_role_is_left_out(tmp_path: Path) -> None:
    """Node.js's pages hold their menu and table of contents in <div role="navigation"> and
    <details role="navigation">, not <nav>: every page began with the whole menu and its contents."""
    page = tmp_path / "timers.html"
    page.write_text(
        "<html><head><title>Timers</title></head><body><div id='content'>"
        "<div role='navigation' id='column2'><ul><li><a href='events.html'>Events</a></li>"
        "<li><a href='fs.html'>File system</a></li></ul></div>"
        "<div id='column1'><header><h1>Node.js documentation</h1></header>"
        "<details role='navigation' id='toc'><summary>Table of contents</summary>"
        "<ul><li><a href='#timers'>Timers</a></li><li><a href='#cancel'>Cancelling timers</a></li></ul></details>"
        "<div role='main' id='apicontent'><h2>Timers</h2>"
        "<p>The timer module exposes a global API for scheduling functions to be called later.</p>"
        "<h3>Cancelling timers</h3><p>A timer made by setTimeout is cancelled by passing it to clearTimeout.</p>"
        "</div></div></div></body></html>"
    )
    article = read_article(page, "timers.html")
    assert article.text.startswith("Timers\nThe timer module exposes")
    assert "Table of contents" not in article.text and "File system" not in article.text
    assert [(article.text[s : s + 9], title) for s, _, title in article.headings] == [
        ("Timers\nTh", "Timers"),
        ("Cancellin", "Cancelling timers"),
    ]
