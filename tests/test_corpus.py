"""Loading and cleaning any folder of .txt, .md, .html, .pdf and .docx articles."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import CorpusError
from assistant.ingest.cleaning import clean_text
from assistant.ingest.corpus import load_corpus, passed_over
from assistant.ingest.titles import without_shared_affix

from .conftest import CORPUS, write_articles


@pytest.mark.parametrize(
    "line",
    [
        "Skip to content",
        "Leave a comment",
        "Leave a Reply",
        "No Comments",
        "Read more",
        "Share this article",
        "Print",
        "Back to top",
        "^",
        "• | •",
        "Privacy Overview",
        "Politics, World July 1, 2023 No Comments on Some headline here 4 minute read",
        "We use cookies on our website to give you the most relevant experience. By clicking Accept you consent.",
        "Назад Печать",  # a navigation label in another script than the article
    ],
)
def test_boilerplate_lines_are_removed(line: str) -> None:
    body = "The council approved the new budget on Monday. It includes funds for schools."
    cleaned = clean_text(f"{line}\n{body}\n{line}\nA second paragraph follows here with more detail.")
    assert line not in cleaned.split("\n")
    assert body in cleaned and "A second paragraph follows here with more detail." in cleaned


def test_article_prose_is_kept_even_with_trigger_words() -> None:
    prose = (
        "The minister said the share of exports rose sharply, and critics who read more closely noted "
        "that the printing industry and the cookie makers of the region benefited most from the change."
    )
    assert prose in clean_text(prose)


def test_repeated_title_and_trailing_signature_are_dropped() -> None:
    raw = "Big Title Here\n\nBig Title Here\n\nFirst real sentence of the story is here.\nJane Doe\nSITE.COM\n"
    assert clean_text(raw) == "Big Title Here\nFirst real sentence of the story is here."


def test_a_closing_command_is_kept_where_a_signature_goes() -> None:
    """util-linux's README.Debian ends "…just do the following as root:" then "systemctl enable fstrim.timer",
    its one instruction, which went as a signature would (found by an integrator); so did a closing line of
    code and what a paragraph ending in a colon introduces."""
    told = "To enable it weekly, just do the following as root:\n\n    systemctl enable fstrim.timer\n"
    assert clean_text(told).endswith("as root:\nsystemctl enable fstrim.timer")
    code = "It also frees the devices and tags it holds once you call it.\nblkid_put_cache(cache);\n"
    assert clean_text(code).endswith("\nblkid_put_cache(cache);")
    listed = "PAM configuration files used by the programs are these:\nchfn(1):\n/etc/pam.d/chfn\n"
    assert clean_text(listed).endswith("these:\nchfn(1):\n/etc/pam.d/chfn")
    signed = "The harbour reopened in May after two years of repairs.\nJane Reporter\nShare this\n"
    assert clean_text(signed) == "The harbour reopened in May after two years of repairs."


def test_html_markdown_and_text_with_metadata(tiny_corpus: Path) -> None:
    report = load_corpus(tiny_corpus)
    assert not report.skipped
    by_source = {a.source: a for a in report.articles}
    assert set(by_source) == {"bees.md", "rail.html", "solar.txt"}

    rail = by_source["rail.html"]
    assert rail.title == "Night trains return" and rail.publisher == "Rail Weekly"
    assert "restarted in December 2021" in rail.text and "30 euros" in rail.text
    for junk in ("alert", "cookies", "Home | News", "Share on Twitter", "© 2022"):
        assert junk not in rail.text

    bees = by_source["bees.md"]
    assert (bees.title, bees.author, bees.date) == ("Why bees matter", "A. Keeper", "2021-05-04")
    assert "---" not in bees.text and "#" not in bees.text
    assert by_source["solar.txt"].title == "Solar farms in the desert"


def test_a_text_files_first_line_is_its_title_only_when_it_reads_as_one(tmp_path: Path) -> None:
    body = "The package was built from the upstream sources.\nIt is licensed under the GPL."
    (tmp_path / "release-notes.txt").write_text("Release notes for 2.1\n" + body)
    (tmp_path / "debian-copyright.txt").write_text("This package was debianized by A. Packer on\nMay 1, 2020.\n" + body)
    (tmp_path / "long_note.txt").write_text(" ".join(["word"] * 30) + ".\n" + body)
    (tmp_path / "cal.txt").write_text("NAME\ncal - display a calendar\n")  # a label, as util-linux's cal.txt
    (tmp_path / "FAQ.txt").write_text("Questions\n" + body)
    titles = {a.source: a.title for a in load_corpus(tmp_path).articles}
    assert titles == {"release-notes.txt": "Release notes for 2.1", "debian-copyright.txt": "debian copyright",
                      "long_note.txt": "long note", "cal.txt": "cal", "FAQ.txt": "Questions"}  # fmt: skip


def test_a_markdown_file_keeps_the_lines_it_repeats(tmp_path: Path) -> None:
    """API notes repeat "Returns: {integer}" under each function: each is that function's (found by a user)."""
    functions = "".join(
        f"## `os.f{n}()`\n\nReturns: {{integer}}\n\nThe f{n} count of the system.\n\n" for n in range(3)
    )
    (tmp_path / "os.md").write_text("# OS\n\n" + functions)
    parts = "".join(f"<p>Example output</p><p>Part {n} of the page is long enough to keep.</p>" for n in range(3))
    (tmp_path / "os.html").write_text(f"<html><body>{parts}</body></html>")
    texts = {a.source: a.text for a in load_corpus(tmp_path).articles}
    assert texts["os.md"].count("Returns: {integer}") == 3
    assert texts["os.html"].count("Example output") == 1  # a web page's repeated label: the template's


def test_gzip_compressed_text_is_read_as_what_it_holds(tmp_path: Path) -> None:
    """Debian ships its changelogs and NEWS files as .gz; an archive or a compressed PDF is named, not read."""
    import gzip

    (tmp_path / "NEWS.gz").write_bytes(gzip.compress(b"Widget NEWS\nVersion 2.3 adds the switch command.\n"))
    (tmp_path / "guide.html.gz").write_bytes(
        gzip.compress(
            b"<html><head><title>Guide</title></head><body><p>The guide explains the switch.</p></body></html>"
        )
    )
    (tmp_path / "src.tar.gz").write_bytes(gzip.compress(b"not read"))
    (tmp_path / "broken.gz").write_bytes(b"not gzip at all")
    report = load_corpus(tmp_path)
    read = {a.source: a for a in report.articles}
    assert read["NEWS.gz"].text == "Widget NEWS\nVersion 2.3 adds the switch command."
    assert (read["guide.html.gz"].title, read["guide.html.gz"].text) == ("Guide", "The guide explains the switch.")
    assert report.skipped["src.tar.gz"] == "a compressed .tar file: unpack it to index it"
    assert report.skipped["broken.gz"].startswith("not a readable gzip file")


def test_text_files_without_a_known_suffix_are_read_and_other_documents_named(tmp_path: Path) -> None:
    """A documentation folder keeps much of its prose in README, FAQ, TODO or README.Debian (found by a
    new user: 16 of 29 files of a Debian doc folder were left out without a word). They are read as plain
    text; a binary file without a suffix is reported; a document in a format not read is named with what
    to do; pictures, code and data are passed over as before."""
    import gzip

    (tmp_path / "FAQ").write_text("Frequently asked questions\n\nThe keyring lives in the home folder.\n")
    (tmp_path / "README.Debian").write_text("Notes for Debian\n\nRun the migration script once after upgrading.\n")
    (tmp_path / "changelog.Debian.gz").write_bytes(gzip.compress(b"Version 1.2 fixes the upgrade script.\n"))
    (tmp_path / "tool").write_bytes(b"\x7fELF\x00\x00\x01" * 50)
    (tmp_path / "notes.odt").write_bytes(b"PK\x03\x04")
    (tmp_path / "setup.py").write_text("print('not an article')\n")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG")
    report = load_corpus(tmp_path)
    read = {a.source: a for a in report.articles}
    assert set(read) == {"FAQ", "README.Debian", "changelog.Debian.gz"}
    assert "The keyring lives in the home folder." in read["FAQ"].text
    assert read["README.Debian"].title == "Notes for Debian"
    assert set(report.skipped) == {"tool", "notes.odt"}
    assert "binary" in report.skipped["tool"]
    assert report.skipped["notes.odt"] == ".odt files are not read: save it as .docx, .pdf, .html or .txt to index it"
    assert report.passed_over == {".py": 1, ".png": 1}  # counted, not listed
    assert passed_over({".png": 1}) == "passed over 1 .png file, which is not an article"
    assert passed_over({".png": 2}) == "passed over 2 .png files, which are not articles"


@pytest.mark.slow
def test_files_that_are_not_articles_are_counted_by_type_and_said_once(tmp_path: Path) -> None:
    """Debian's Node.js docs hold each page as .md, .html and .json.gz, with the site's .css, .js and .svg:
    `assistant index` said "Read 26 files" and nothing of the 18 it passed over (found by a new user).
    They are counted by type (metadata.json and hidden files are not), and said in one line; a folder of
    nothing else is told what it holds."""
    import gzip

    from .test_cli import run

    (tmp_path / "c" / "assets").mkdir(parents=True)
    corpus = tmp_path / "c"
    (corpus / "timers.md").write_text("# Timers\n\nThe timer module exposes a global API for scheduling functions.\n")
    for page in ("timers", "events", "fs"):
        (corpus / f"{page}.json.gz").write_bytes(gzip.compress(b'{"source": "doc/api/x.md"}'))
    (corpus / "assets" / "style.css").write_text("body { margin: 0 }")
    (corpus / "assets" / "logo.svg").write_text("<svg/>")
    (corpus / "metadata.json").write_text('{"timers.md": {"publisher": "Node.js"}}')
    (corpus / ".hidden.json").write_text("{}")
    report = load_corpus(corpus)
    assert [a.source for a in report.articles] == ["timers.md"]
    assert report.passed_over == {".json.gz": 3, ".css": 1, ".svg": 1}
    assert not report.skipped
    proc = run("index", "--corpus", str(corpus), "--index", str(tmp_path / "i"))
    assert proc.returncode == 0, proc.stderr
    notes = [line for line in proc.stderr.splitlines() if "passed over" in line]
    assert notes == ["note: passed over 5 files that are not articles: 3 .json.gz, 1 .css, 1 .svg"]
    (corpus / "timers.md").unlink()
    proc = run("index", "--corpus", str(corpus), "--index", str(tmp_path / "i2"))
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == (
        "Error: the corpus holds no readable articles; add .txt, .md, .html, .pdf or .docx files "
        "(passed over 5 files that are not articles: 3 .json.gz, 1 .css, 1 .svg)"
    )


def test_metadata_file_overrides_inferred_fields(tiny_corpus: Path) -> None:
    (tiny_corpus / "metadata.json").write_text('{"solar.txt": {"title": "Noor", "publisher": "Desert Post"}}')
    solar = {a.source: a for a in load_corpus(tiny_corpus).articles}["solar.txt"]
    assert (solar.title, solar.publisher) == ("Noor", "Desert Post")


def test_unreadable_files_are_reported_and_the_rest_indexed(tmp_path: Path) -> None:
    folder = write_articles(tmp_path / "c", {"good.txt": "A perfectly normal article about rivers and their floods."})
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02\xff" * 100)
    (folder / "empty.md").write_text("")
    (folder / "latin1.txt").write_bytes("Café prices in Zürich rose by 5 percent in 2023.".encode("latin-1"))
    (folder / "image.png").write_bytes(b"\x89PNG")  # not an article type: ignored silently
    report = load_corpus(folder)
    assert {a.source for a in report.articles} == {"good.txt", "latin1.txt"}
    assert set(report.skipped) == {"binary.txt", "empty.md"}
    assert "binary" in report.skipped["binary.txt"]
    latin = next(a for a in report.articles if a.source == "latin1.txt")
    assert "Café" in latin.text and "Zürich" in latin.text


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "nope")


def test_shipped_corpus_is_clean() -> None:
    report = load_corpus(CORPUS)
    assert len(report.articles) == 5 and not report.skipped
    for article in report.articles:
        lowered = article.text.lower()
        for junk in (
            "skip to content",
            "leave a comment",
            "no comments on",
            "privacy overview",
            "this website uses cookies",
            "read more",
            "minute read",
        ):
            assert junk not in lowered, (article.source, junk)
        assert article.title and article.title == article.title.strip()
        assert "\n\n" not in article.text


def test_huge_cyrillic_and_hostile_html_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.ingest.corpus as corpus_module

    monkeypatch.setattr(corpus_module, "MAX_FILE_BYTES", 10_000)
    folder = write_articles(tmp_path / "c", {"good.txt": "A perfectly normal article about rivers and their floods."})
    (folder / "huge.txt").write_text("Rivers flood in spring. " * 1000)
    russian = "Реки разливаются весной, и в 2023 году вода поднялась на 3 метра."
    (folder / "cp1251.txt").write_bytes(russian.encode("cp1251"))
    (folder / "hostile.html").write_text(
        "<html><head><style>body{display:none}</style><script>fetch('http://evil')</script></head><body>"
        "<article><h1>Bridges</h1><p onclick='steal()'>The old bridge reopened in May after repairs.</p>"
        "<img src=x onerror=alert(1)><iframe src='http://evil'></iframe></article></body></html>"
    )
    report = load_corpus(folder)
    assert "huge.txt" in report.skipped and "limit" in report.skipped["huge.txt"]
    texts = {a.source: a.text for a in report.articles}
    assert "Реки разливаются весной" in texts["cp1251.txt"]
    hostile = texts["hostile.html"]
    assert "The old bridge reopened in May after repairs." in hostile
    for bad in ("fetch", "evil", "display:none", "steal", "onerror", "alert", "<"):
        assert bad not in hostile


def test_cli_reports_skipped_files_and_an_empty_corpus(tmp_path: Path) -> None:
    from .test_cli import run

    only_bad = tmp_path / "bad"
    only_bad.mkdir()
    (only_bad / "binary.txt").write_bytes(b"\x00\xff" * 50)
    proc = run("index", "--corpus", str(only_bad), "--index", str(tmp_path / "i"))
    assert proc.returncode != 0
    assert "binary.txt" in proc.stderr and "no readable articles" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_site_name_the_pages_share_leaves_their_titles(tmp_path: Path) -> None:
    """Titles as Debian's Node.js and libffi manuals write them; metadata.json's title is kept as given."""
    pages = {
        "buffer.html": "Buffer | Node.js v20.20.2 Documentation",
        "fs.html": "File system | Node.js v20.20.2 Documentation",
        "events.html": "Events | Node.js v20.20.2 Documentation",
        "about.html": "About this documentation | Node.js v20.20.2 Documentation",
    }
    for name, title in pages.items():
        body = f"The {name[:-5]} module is described on this page in some detail for readers."
        (tmp_path / name).write_text(f"<html><head><title>{title}</title></head><body><p>{body}</p></body></html>")
    (tmp_path / "metadata.json").write_text('{"about.html": {"title": "About | Node.js v20.20.2 Documentation"}}')
    titles = {a.source: a.title for a in load_corpus(tmp_path).articles}
    assert titles == {"buffer.html": "Buffer", "fs.html": "File system", "events.html": "Events",
                      "about.html": "About | Node.js v20.20.2 Documentation"}  # fmt: skip
    texinfo = [f"{t} (libffi: the portable foreign function interface library)" for t in ("Closure Example", "Index")]
    assert without_shared_affix(texinfo) == ["Closure Example", "Index"]
    kept = ["26.3. Continuous Archiving and Point-in-Time Recovery (PITR)", "8.14. JSON Types", "8.15. Arrays"]
    assert without_shared_affix(kept) == kept


def test_reading_reports_each_file(tiny_corpus: Path) -> None:
    seen: list[tuple[int, int]] = []
    report = load_corpus(tiny_corpus, progress=lambda done, total: seen.append((done, total)))
    files = len(report.articles) + len(report.skipped)
    assert seen == [(n, files) for n in range(1, files + 1)]


def test_json_ld_gives_the_author_publisher_and_date_a_news_page_declares(tmp_path: Path) -> None:
    ld = """{"@context": "https://schema.org", "@graph": [
      {"@type": "WebPage", "name": "Ports and rails | Daily Courier", "url": "https://example.org/ports"},
      {"@type": "NewsArticle", "headline": "Ports and rails: a new corridor opens",
       "author": [{"@type": "Person", "name": "Ana Silva"}, {"@type": "Person", "name": "Li Wei"}],
       "publisher": {"@type": "Organization", "name": "Daily Courier"},
       "datePublished": "2025-04-23T08:00:00Z"}]}"""
    body = "<p>The corridor links the Caspian ports to the rail network and opened in April.</p>"
    html = f'<html><head><title>Ports | Daily Courier</title><script type="application/ld+json">{ld}</script>'
    (tmp_path / "ports.html").write_text(
        f"{html}<meta property='og:url' content='https://x.org/p'></head><body>{body}</body></html>"
    )
    (tmp_path / "broken.html").write_text(f'<script type="application/ld+json">{{not json</script>{body}')
    odd = '{"@graph": ["x", 3, {"@type": "NewsArticle", "author": "Ana Silva"}]}'
    (tmp_path / "odd.html").write_text(f'<script type="application/ld+json">{odd}</script>{body}')
    articles = {a.source: a for a in load_corpus(tmp_path).articles}
    ports = articles["ports.html"]
    assert ports.title == "Ports and rails: a new corridor opens"  # the Article's headline, not its WebPage's name
    assert (ports.author, ports.publisher, ports.date) == ("Ana Silva, Li Wei", "Daily Courier", "2025-04-23T08:00:00Z")
    assert ports.url == "https://x.org/p"  # a <meta> tag the page declares wins
    assert articles["broken.html"].author is None  # bad JSON-LD is passed over
    assert articles["odd.html"].author == "Ana Silva"  # and so are the parts of a graph that are no objects


def test_release_notes_changelogs_and_org_files_get_titles_of_the_file(tmp_path: Path) -> None:
    """NEWS opens with its latest release's heading and a ChangeLog with its latest entry's date and author:
    neither is the file's title, since the same form recurs below (found by a new user: every passage of a
    NEWS file was titled "Noteworthy changes in version 2.2.40"). An Org file's #+TITLE is its title, and
    its settings and comment lines are no text."""
    import gzip

    news = "Changes in version 2.3 (2024-05-01)\n\n  * Faster start.\n\n"
    news += "Changes in version 2.2 (2023-01-09)\n\n  * Fixes.\n"
    (tmp_path / "NEWS.gz").write_bytes(gzip.compress(news.encode()))
    log = "2024-05-01  Ann Author  <ann@example.org>\n\n\tRelease 2.3.\n\n2023-01-09  Ann Author  <ann@example.org>\n"
    (tmp_path / "ChangeLog").write_text(log + "\n\tRelease 2.2.\n")
    org = "# doc/DETAILS          -*- org -*-\n#+TITLE: Widget Details\n#+OPTIONS: ^:{}\n\nThe widget keeps its keys.\n"
    (tmp_path / "DETAILS").write_text(org)
    (tmp_path / "notes.md.gz").write_bytes(gzip.compress(b"Version 2 is out.\n"))
    read = {a.source: a for a in load_corpus(tmp_path).articles}
    assert read["NEWS.gz"].title == "NEWS" and read["ChangeLog"].title == "ChangeLog"
    assert (read["DETAILS"].title, read["DETAILS"].text) == ("Widget Details", "The widget keeps its keys.")
    assert read["notes.md.gz"].title == "Version 2 is out."  # a first line of its own kind stays the title


def test_a_debian_copyright_file_is_titled_by_whose_copyright_it_is(tmp_path: Path) -> None:
    """Found by a new user: every package's copyright file was titled "Format: https://www.debian.org/doc/
    packaging-manuals/copyright-format/1.0/", and the overview listed them so."""
    dep5 = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: bzip2\n"
    dep5 += "Source: https://sourceware.org/bzip2/\n\nFiles: *\nCopyright: 1996-2019 Julian Seward\nLicense: BSD\n"
    for folder, text in {"bzip2": dep5, "plain": dep5.replace("Upstream-Name: bzip2\n", "")}.items():
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "copyright").write_text(text)
    read = {a.source: a.title for a in load_corpus(tmp_path).articles}
    assert read == {"bzip2/copyright": "bzip2 copyright", "plain/copyright": "copyright"}


def test_a_markdown_file_is_titled_by_its_first_heading_and_its_tables_are_read(tmp_path: Path) -> None:
    """A project README opening with a status table was titled "|Branch|CI system|Status|…|:----:|…" (found by
    a new user): its first top heading is its title, and the table is read as a table, not as pipes."""
    (tmp_path / "README.md").write_text(
        "|Branch|CI system|Status|\n|:----:|:----:|:----:|\n|Master|Gitlab|passing|\n\n"
        "# Widget -- Information for developers\n\nWidget implements the frobnication protocol.\n"
    )
    (article,) = load_corpus(tmp_path).articles
    assert article.title == "Widget -- Information for developers"
    assert "|" not in article.text and "Master Gitlab passing" in article.text


def test_a_markdown_list_of_links_is_titled_by_its_file_not_its_first_link(tmp_path: Path) -> None:
    """Node.js's index.md (a comment, then a list of links to the pages) was titled "About this
    documentation", its first link: the title of another page. A file that opens with a list and has no
    top heading is titled by its name; one that opens with a paragraph is titled as before."""
    (tmp_path / "index.md").write_text(
        "<!--\n  NB: if you move this file, update tools/doc/html.mjs.\n-->\n\n<!--introduced_in=v0.10.0-->\n\n"
        "* [About this documentation](documentation.md)\n* [Usage and example](synopsis.md)\n"
    )
    (tmp_path / "notes.md").write_text("Release checklist\n\n* tag the release\n* publish the notes\n")
    titles = {a.source: a.title for a in load_corpus(tmp_path).articles}
    assert titles == {"index.md": "index", "notes.md": "Release checklist"}


def test_a_list_of_names_is_kept_though_a_signature_goes(tmp_path: Path) -> None:
    """An AUTHORS file kept only "Original authors:" and a THANKS file only its first line (found by a new
    user): the rule that drops a signature after an article's last paragraph took every name as one. A
    run of more than a few short lines, or a text of nothing else, is a list; a one-line signature still goes."""
    (tmp_path / "AUTHORS").write_text(
        "Original authors:\nAnn Author <ann@example.org>\nBo Builder <bo@example.org>\n\n"
        "Current maintainer:\nCy Keeper <cy@example.org>\n\n" + "-" * 40 + "\n"
    )
    names = "\n".join(f"Helper Number{n} <h{n}@example.org>" for n in range(8))
    (tmp_path / "THANKS").write_text(f"Here is a list of people who helped the project.\n{names}\n")
    (tmp_path / "story.txt").write_text("The harbour reopened in May after two years of repairs.\nJane Reporter\n")
    read = {a.source: a for a in load_corpus(tmp_path).articles}
    assert "Current maintainer:\nCy Keeper <cy@example.org>" in read["AUTHORS"].text
    assert read["AUTHORS"].title == "AUTHORS"  # a first line ending in ":" heads what follows, not the file
    assert read["THANKS"].text.count("@example.org") == 8
    assert read["story.txt"].text == "The harbour reopened in May after two years of repairs."
