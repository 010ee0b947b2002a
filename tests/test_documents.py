"""PDF and Word files read as articles: real manuals (tests/documents), pages in citations."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pypdfium2
import pytest

from assistant import Assistant
from assistant.apps.ui_render import render_sources
from assistant.embed.embedding import SentenceTransformerEmbedder
from assistant.ingest.corpus import load_corpus, read_article
from assistant.records import Answer, Citation

DOCS = Path(__file__).parent / "documents"
BZIP2 = DOCS / "bzip2-manual.pdf"
FONTCONFIG = DOCS / "fontconfig-user.pdf"


def pdf_pages(path: Path) -> list[str]:
    """Each page's text as PDFium gives it, spaces normalised: the reference the reader is checked against."""
    doc = pypdfium2.PdfDocument(str(path))
    try:
        return [" ".join(doc[i].get_textpage().get_text_range().replace("\ufffe\r\n", "").split())
                for i in range(len(doc))]  # fmt: skip
    finally:
        doc.close()


def pages_holding(path: Path, words: str) -> list[int]:
    """The pages (from 1) whose text holds `words`."""
    return [n for n, text in enumerate(pdf_pages(path), start=1) if words in text]


def test_a_pdf_manual_reads_as_paragraphs_with_its_properties_and_pages() -> None:
    article = read_article(BZIP2, BZIP2.name)
    assert article.title == "bzip2 and libbzip2, version 1.0.8"  # the PDF's Title property
    assert article.date == "2019-07-13"  # its creation date
    assert len(article.pages) == len(pdf_pages(BZIP2)) == 38
    assert article.pages == sorted(article.pages) and article.pages[0] == 0
    # The description's hard-wrapped lines are one paragraph: one line of the article's text.
    line = next(x for x in article.text.split("\n") if "Burrows-Wheeler block sorting" in x)
    assert line.startswith("bzip2 compresses files using the Burrows-Wheeler")
    assert line.endswith("the PPM family of statistical compressors.")
    assert "\ufb01" not in article.text and "\ufffe" not in article.text  # no "ﬁ" ligature, no soft-hyphen mark
    # Every page's text starts where the article says it does.
    for number in (6, 20, 38):
        start = article.pages[number - 1]
        first = article.text[start:].split("\n", 1)[0][:40]
        assert first and first.split()[0] in pdf_pages(BZIP2)[number - 1], (number, first)
        assert article.page_at(start) == number


def test_running_heads_and_page_numbers_are_dropped() -> None:
    """ "fonts-conf" heads 14 of fontconfig's 15 pages, "Programming with libbzip2" most of bzip2's third
    chapter; each page's number is its last line. None of them is article text (the cleaner's own
    de-duplication of short lines would keep the first of each)."""
    fontconfig = read_article(FONTCONFIG, FONTCONFIG.name).text.split("\n")
    bzip2 = read_article(BZIP2, BZIP2.name).text.split("\n")
    assert sum(p.startswith("fonts-conf ") for p in pdf_pages(FONTCONFIG)) == 14
    assert "fonts-conf" not in fontconfig
    assert "Programming with libbzip2" not in bzip2 and "3. Programming with libbzip2" in bzip2  # the heading stays
    assert not any(re.fullmatch(r"\d+", line) for line in fontconfig + bzip2)


def test_a_pdf_without_a_text_layer_and_a_broken_pdf_are_reported_not_indexed(tmp_path: Path) -> None:
    scan = pypdfium2.PdfDocument.new()
    scan.new_page(612, 792)
    scan.new_page(612, 792)
    scan.save(str(tmp_path / "scan.pdf"))
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a PDF")
    shutil.copy(BZIP2, tmp_path / "manual.pdf")
    report = load_corpus(tmp_path)
    assert [a.source for a in report.articles] == ["manual.pdf"]
    assert "without a text layer" in report.skipped["scan.pdf"]
    assert "not a readable PDF" in report.skipped["broken.pdf"]


def test_a_word_file_reads_with_its_headings_paragraphs_tables_and_properties(tmp_path: Path) -> None:
    import docx

    paragraphs = [line for line in read_article(BZIP2, "m").text.split("\n") if len(line.split()) > 25][:3]
    document = docx.Document()
    document.core_properties.title = "How to use bzip2"
    document.core_properties.author = "Julian Seward"
    document.add_heading("Description", level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    table = document.add_table(rows=2, cols=2)
    for row, (flag, meaning) in enumerate((("-d", "decompress"), ("-k", "keep input files"))):
        table.cell(row, 0).text, table.cell(row, 1).text = flag, meaning
    document.save(str(tmp_path / "bzip2.docx"))
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not a zip")

    report = load_corpus(tmp_path)
    (article,) = report.articles
    assert (article.title, article.author) == ("How to use bzip2", "Julian Seward")
    lines = article.text.split("\n")
    assert lines[0] == "Description" and lines[1 : 1 + len(paragraphs)] == paragraphs
    assert "-d | decompress" in lines and "-k | keep input files" in lines
    assert article.pages == [] and article.page_at(0) is None
    assert "not a readable Word file" in report.skipped["broken.docx"]


def test_a_source_card_shows_the_page() -> None:
    cited = Citation(1, "manual.pdf", "bzip2", "Some text here.", 10, 25, 0, 15, page=6)
    html = render_sources(Answer("It does [1].", False, citations=[cited]), {}, "a1")
    assert "page 6" in html
    plain = Citation(1, "a.html", "A", "Some text here.", 10, 25, 0, 15)
    assert "page" not in render_sources(Answer("It does [1].", False, citations=[plain]), {}, "a2")


def test_a_source_card_shows_the_details_an_article_states_and_no_placeholder_for_the_others() -> None:
    cited = Citation(1, "a.html", "A", "Some text here.", 10, 25, 0, 15)
    answer = Answer("It does [1].", False, citations=[cited])
    dated = render_sources(answer, {"a.html": {"title": "A", "publisher": "Rail Weekly", "date": "2021-05-04"}}, "a1")
    assert '<div class="source-meta">Rail Weekly · 2021-05-04 · a.html</div>' in dated
    bare = render_sources(answer, {"a.html": {"title": "A", "publisher": None, "date": None}}, "a2")
    assert '<div class="source-meta">a.html</div>' in bare and "not stated" not in bare


@pytest.mark.slow
def test_answers_from_a_pdf_cite_the_page_the_sentence_is_on(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(BZIP2, corpus / BZIP2.name)
    shutil.copy(FONTCONFIG, corpus / FONTCONFIG.name)
    bot = Assistant(corpus_dir=corpus, index_dir=tmp_path / "index", embedder=embedder)
    bot.index()
    answer = bot.ask("Which algorithm does bzip2 use to compress files?")
    assert not answer.abstained and answer.citations
    for c in answer.citations:
        article = bot._ready().data.articles[c.source]
        assert article.text[c.start : c.end] == c.text  # offsets into the article, as for any file
        words = " ".join(c.sentence.split()[:8])
        assert c.page in pages_holding(corpus / c.source, words), (c.sentence, c.page)
    assert any("Burrows-Wheeler" in c.sentence for c in answer.citations)
    events = bot.timeline(sources=[BZIP2.name]).events  # the manual's references are dated
    assert events
    for event in events:
        assert event.citation.page in pages_holding(corpus / BZIP2.name, " ".join(event.text.split()[:6]))


@pytest.mark.slow
def test_the_cli_reports_files_read_and_cites_a_pdf_page(tmp_path: Path) -> None:
    from .test_cli import run

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(BZIP2, corpus / BZIP2.name)
    for n in range(20):
        (corpus / f"note{n:02d}.txt").write_text(
            f"Note {n} says that the harbour crane number {n} was repaired in May."
        )
    proc = run("index", "--corpus", str(corpus), "--index", str(tmp_path / "index"))
    assert proc.returncode == 0, proc.stderr
    assert "Reading: 100%" in proc.stderr and "21/21" in proc.stderr
    assert "Read 21 files; new and changed ones are split into passages and sentences" in proc.stderr
    proc = run("ask", "Which algorithm does bzip2 use to compress files?", "--corpus", str(corpus),
               "--index", str(tmp_path / "index"))  # fmt: skip
    pages = pages_holding(BZIP2, "bzip2 compresses files using the Burrows-Wheeler")
    assert pages == [4, 6]  # the introduction and the description say it
    assert any(f"bzip2-manual.pdf, page {page} [" in proc.stdout for page in pages), proc.stdout
