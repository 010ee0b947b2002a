"""Texinfo sources are read as the manual they set, not as markup (found by a new user: bzip2's
manual.texi.gz was titled "\\input texinfo", answers quoted "@samp{bunzip2} has an option", and the
source and the HTML manual "disagreed" on a figure)."""

from __future__ import annotations

import gzip
from pathlib import Path

from assistant.ingest.corpus import load_corpus
from assistant.ingest.texinfo import is_texinfo, texinfo_to_text

MANUAL = r"""\input texinfo
@setfilename widget.info
@settitle The Widget Manual, version 2.1
@dircategory Utilities
@direntry
* widget: (widget).   Frobs widgets.
@end direntry

@node Top
@top The Widget Manual

@menu
* Overview::    What it is.
* Options::     How to call it.
@end menu

@node Overview
@chapter Overview
@cindex overview
@code{widget} frobs widgets in @emph{linear} time; see @ref{Options} and
@xref{Options, the options}, for the flags. It was written by
@email{ann@@example.org, Ann Author}@footnote{With help.}.

@node Options
@section Options
@table @samp
@item --fast
Frobs @samp{twice as
fast} as @option{--best}@dots{}
@end table

@example
$ widget --fast file @{1@}
@end example

@ifhtml
<b>For the web only</b>
@end ifhtml
@bye
"""


def test_a_texinfo_manual_is_its_text_title_and_sections() -> None:
    assert is_texinfo(MANUAL) and not is_texinfo("A note: the build ran @setfilename later.\n")
    text, meta, headings = texinfo_to_text(MANUAL)
    assert meta["title"] == "The Widget Manual, version 2.1"
    assert [(level, title) for level, title, _, _ in headings] == [
        (1, "The Widget Manual"),
        (1, "Overview"),
        (2, "Options"),
    ]
    assert "widget frobs widgets in linear time; see Options and see Options, for the flags." in text
    assert "It was written by Ann Author (With help.)." in text
    assert "--fast\nFrobs twice as fast as --best…" in text  # an item on a line of its own, marks undone
    assert "$ widget --fast file {1}" in text  # an example keeps its line
    for gone in ("@", "Top", "menu", "What it is", "(widget)", "For the web only", "overview\n", "\\input"):
        assert gone not in text, gone


def test_a_gzipped_texinfo_file_in_a_folder(tmp_path: Path) -> None:
    (tmp_path / "widget.texi.gz").write_bytes(gzip.compress(MANUAL.encode()))
    article = load_corpus(tmp_path).articles[0]
    assert article.title == "The Widget Manual, version 2.1" and "@" not in article.text
    assert [h[2] for h in article.headings] == ["The Widget Manual", "Overview", "Options"]
