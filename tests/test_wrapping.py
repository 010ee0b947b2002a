"""Plain text wrapped at a fixed width is read back into paragraphs; text of one paragraph per line is not touched."""

from __future__ import annotations

from pathlib import Path

from assistant.ingest.corpus import load_corpus
from assistant.ingest.sentences import sentence_spans
from assistant.ingest.wrapping import unwrap

RELEASE_NOTES = """\
Widget 2.3 Release Notes
========================

Updates since v2.2
------------------

 * The "--base" option of "format" computed the ids of the patches it
   needs in an unstable way, which has been updated to compute them in
   a way that is compatible with "widget id --stable".

 * "widget merge" learned the "--quit" option that cleans up the merge
   in progress while leaving the working tree as it is.

 * Two new commands "widget switch" and "widget restore" are introduced
   to split "checking out a branch to work on advancing its history" and
   "checking out paths out of the index" into two separate commands.

An example of the new command, run in a clean working tree of a project
that has two branches:

    $ widget switch -c topic
    $ widget restore --staged file.txt

A triggers-aware version of the widget tool is needed for all of this,
as described in the notes of the previous release.
"""


def test_wrapped_lines_join_into_paragraphs_and_items_code_and_headings_stay_apart() -> None:
    lines = unwrap(RELEASE_NOTES).split("\n")
    item = ' * Two new commands "widget switch" and "widget restore" are introduced to split "checking out a branch '
    assert (
        item + 'to work on advancing its history" and "checking out paths out of the index" into two separate commands.'
        in lines
    )
    assert "    $ widget switch -c topic" in lines and "    $ widget restore --staged file.txt" in lines  # code stays
    assert "Widget 2.3 Release Notes" in lines and "========================" in lines
    assert "An example of the new command, run in a clean working tree of a project that has two branches:" in lines
    last = "A triggers-aware version of the widget tool is needed for all of this, as described in the notes of the "
    assert last + "previous release." in lines


def test_text_of_one_paragraph_per_line_is_left_as_it_is() -> None:
    paragraphs = "\n".join(
        f"Paragraph {n} runs on for a long while, as an encyclopedia's does, and ends with a full stop. " * 2
        for n in range(10)
    )
    assert unwrap(paragraphs) == paragraphs
    short = "Name: Widget\nVersion: 2.3\nLicence: MIT\n"  # short lines, no width: a list of fields
    assert unwrap(short) == short


def test_a_wrapped_text_file_gives_whole_sentences(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text(RELEASE_NOTES)
    text = load_corpus(tmp_path).articles[0].text
    sentences = [text[a:b] for a, b in sentence_spans(text)]
    assert (
        "A triggers-aware version of the widget tool is needed for all of this, as described in the notes of the "
        "previous release." in sentences
    )


def test_a_short_file_is_joined_only_where_each_line_plainly_runs_on(tmp_path: Path) -> None:
    """util-linux's hwclock.txt is one sentence wrapped over three lines; a file of under 8 lines was never
    joined, so it held no whole sentence, and "What do the articles say about hwclock?" had "no sentences
    to summarise" (found by an integrator). A few lines are joined when each but the last ends inside a
    sentence (on "the", "or", a comma, or before a lowercase word); names or short verse are not."""
    (tmp_path / "hwclock.txt").write_text(
        "Hwclock is a program that runs under Linux and sets and queries the\n"
        "Hardware Clock, which is often called the Real Time Clock, RTC, or\nCMOS clock.\n"
    )
    (article,) = load_corpus(tmp_path).articles
    assert [article.text[a:b] for a, b in sentence_spans(article.text)] == [
        "Hwclock is a program that runs under Linux and sets and queries the Hardware Clock, which is often "
        "called the Real Time Clock, RTC, or CMOS clock."
    ]
    names = "Alain Guibert and the other maintainers of the program\nJohn Smith <john@example.org>\n"
    assert unwrap(names) == names
    verse = "Roses are red and violets are blue and the sky is grey\nSugar is sweet and so are you, my friend\n"
    assert unwrap(verse) == verse


def test_the_rows_of_a_table_stay_lines_of_their_own() -> None:
    """A THANKS file's list of names and addresses, set in columns, was joined into one run-on "sentence" of
    1,737 characters (found by a new user); its prose paragraph above is still joined."""
    text = RELEASE_NOTES + (
        "\nThe project was started by one person. Many others contributed by reporting problems,\n"
        "suggesting improvements or sending code. Here is a list of those people, kept up to\n"
        "date by hand.\n\n"
        "Adam Mitchell\t\t   adam at example.org\n"
        "Alain Guibert              alain at example.net\n"
        "Albert Chin                albert at example.com\n"
    )
    lines = unwrap(text).split("\n")
    assert "Alain Guibert              alain at example.net" in lines
    assert "Adam Mitchell\t\t   adam at example.org" in lines
    assert "Albert Chin                albert at example.com" in lines
    assert (
        "The project was started by one person. Many others contributed by reporting problems, suggesting "
        "improvements or sending code. Here is a list of those people, kept up to date by hand." in lines
    )
