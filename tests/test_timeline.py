"""Timelines: dates found in text, and the shipped articles' events in order, each cited."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant import Assistant
from assistant.answer.dates import mentions
from assistant.answer.timeline import Event, Timeline, _dated
from assistant.apps import cli, ui_render, ui_timeline
from assistant.embed.embedding import HashingEmbedder, SentenceTransformerEmbedder
from assistant.records import Answer, Citation

from .conftest import write_articles


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He arrived in Beijing on April 23, 2025, marking a moment.", [("2025-04-23", "day")]),
        ("It was signed on 3 March 2019 in Baku.", [("2019-03-03", "day")]),
        ("The file is dated 2026-01-10 at the top.", [("2026-01-10", "day")]),
        ("In July 2024 they agreed; in 1994 he visited.", [("2024-07", "month"), ("1994", "year")]),
        ("It opened in September of 1998.", [("1998-09", "month")]),
        ("On Sept. 4, 2001 it began.", [("2001-09-04", "day")]),
        ("They met on January 5 in the capital.", [("????-01-05", "day")]),
        ("Production reached 2024 tons, up 20.7 percent, with 2,000 people.", []),
        ("It began shrinking in the 1960s and had dried up by 2007.", [("196", "decade"), ("2007", "year")]),
        ("Trade stayed modest until the mid-1990s; in the 1900s it was none.", [("199", "decade")]),
        ("A state arose along the river c. 830 AD; Vesuvius erupted in AD 79.", [("0830", "year"), ("0079", "year")]),
        ("It held c. 500 people in c. 500 BC, in 1250 AD and ca. 1620.", [("1250", "year"), ("1620", "year")]),
        ("As reported (see Harbour Review, May 14, 2021), it grew in 2020.", [("2020", "year")]),
        ("Trade grew from 2017 to 2024.", [("2017", "year"), ("2024", "year")]),
        ("It was signed in April last year in the capital.", [("????-04", "month")]),
        ("Last year the harbour reopened; the yearly fair did not.", [("????", "year")]),
        # release notes (found by a new user): issue and merge numbers, a link, a key size are no years
        ("Fixed a crash (#1516, !1508); see https://lists.example.org/msg/1663 and 1776 bits.", []),
        ("The 2024/2025 season began.", [("2024", "year"), ("2025", "year")]),
        # a source line and a standard (found by a new user: a manual's timeline began "1619 (vec.rs:1619)")
        ("It panicked at vec.rs:1619 and scheduler.c:1861; see RFC 1750. Noted: 1998 was calm.", [("1998", "year")]),
        # API documentation (found by a new user: Node.js's timeline was "1500", "2048", "2001" of these)
        ("Frames are 1500 octets; run ulimit -n 2048, or at least 1536 (1.5 GiB) of 1536 MiB.", []),
        ("For example, '2001:4860:a005::68' is an address. In 2001: the year it began.", [("2001", "year")]),
    ],
)
def test_dates_are_found_normalised_and_references_skipped(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(m.iso(), m.precision) for m in mentions(text)] == expected


@pytest.mark.parametrize(
    ("published", "expected"),
    [("2026-01-10", ("2025-04", True)), ("March 3, 2021", ("2020-04", True)), (None, None)],
)
def test_last_year_counts_from_the_publication_date_and_means_nothing_without_one(
    published: str | None, expected: tuple[str, bool] | None
) -> None:
    text = "In 2019 the port grew. The treaty was signed in April last year, in the capital."
    (mention,) = [m for m in mentions(text) if m.years_on is not None]
    assert _dated(mention, text, text.index("April"), published) == expected


@pytest.mark.slow
def test_shipped_timeline_places_the_milestones_in_order_each_cited(bot: Assistant) -> None:
    found = bot.timeline()
    events = found.events

    def first(pattern: str, date_prefix: str) -> int:
        hits = [i for i, e in enumerate(events) if e.date.startswith(date_prefix) and re.search(pattern, e.text)]
        assert hits, f"no event {pattern!r} dated {date_prefix}"
        return hits[0]

    order = [
        first(r"diplomatic relations", "1992"),
        first(r"visit to China in 1994", "1994"),
        first(r"strategic partnership", "2024-07"),
        first(r"comprehensive strategic partnership", "2025-04"),
    ]
    assert order == sorted(order)
    assert [e.date for e in events] == sorted(e.date for e in events)  # date order throughout
    for e in events:
        c = e.citation
        assert c.sentence == e.text and e.date_text in e.text  # verbatim, and the sentence states the date
        assert bot.sources[c.source]  # an indexed article
    dates = {e.date for e in events}
    assert "2025-04-24" not in dates and "2026-01-10" not in dates  # datelines are not events
    assert "2024-07-03" not in dates  # "(President of Azerbaijan, July 3, 2024)" is a reference
    merged = [e for e in events if e.also]
    assert merged and all(c.source != e.citation.source for e in merged for c in e.also)


@pytest.mark.slow
def test_a_timeline_question_in_the_chat_gets_dated_lines_in_order(bot: Assistant) -> None:
    answer = bot.ask("Give me a timeline of the relationship between Azerbaijan and China")
    assert not answer.abstained
    lines = answer.text.splitlines()
    assert len(lines) >= 4 and all(line.startswith("- ") for line in lines if not line.startswith("The articles"))
    years = [int(re.match(r"- (\d{4})", line).group(1)) for line in lines if re.match(r"- \d{4}", line)]  # type: ignore[union-attr]
    assert years == sorted(years) and min(years) <= 1994 and max(years) >= 2025
    markers = {int(m) for m in re.findall(r"\[(\d+)\]", answer.text)}
    assert markers == {c.marker for c in answer.citations}


@pytest.mark.slow
def test_timeline_command_prints_json(bot: Assistant) -> None:
    result = CliRunner().invoke(cli.cli, ["timeline", "trade", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["events"] and all(e["citation"]["sentence"] == e["text"] for e in payload["events"])
    assert [e["date"] for e in payload["events"]] == sorted(e["date"] for e in payload["events"])


@pytest.mark.slow
def test_timeline_command_writes_a_decade_as_a_reader_does(bot: Assistant) -> None:
    """The table's date column showed "199" for "in the 1990s" (ISO 8601's decade)."""
    result = CliRunner().invoke(cli.cli, ["timeline"])
    assert result.exit_code == 0, result.output
    dated = [line.split()[0] for line in result.stdout.splitlines() if line[:1].isdigit()]
    assert "1990s" in dated and "199" not in dated
    assert dated.index("1990s") < dated.index("1994")


XSS = "<script>window.__pwned=1</script>"


def _event(date: str, sentence: str, source: str = "a.txt", also: tuple[Citation, ...] = ()) -> Event:
    passage = f"Before. {sentence} After."
    start = passage.index(sentence)
    citation = Citation(0, source, f"<i>{source}</i>", passage, 0, len(passage), start, start + len(sentence))
    return Event(date, date, "day" if len(date) == 10 else "month" if len(date) == 7 else "year", sentence,
                 citation, also)  # fmt: skip


def test_a_timeline_answer_carries_its_kind_and_each_markers_date() -> None:
    other = _event("2024-07", "They signed it in July 2024.", source="b.txt").citation
    found = Timeline(
        [_event("1994", "He visited in 1994."), _event("2024-07", "They signed in July 2024.", also=(other,))]
    )
    answer = found.to_answer()
    assert answer.kind == "timeline" and answer.dates == ["1994", "2024-07", "2024-07"]
    assert [answer.date_of(c.marker) for c in answer.citations] == answer.dates and answer.date_of(9) is None
    assert answer.to_dict()["kind"] == "timeline" and ui_render.answer_dict(answer, {})["dates"] == answer.dates
    assert Answer("Plain.", False).to_dict()["kind"] == "answer" and Timeline([]).to_answer().kind == "timeline"


def test_a_timeline_renders_escaped_with_one_dot_per_event_in_date_order() -> None:
    events = [
        _event("1992-04-02", f"Relations began on April 2, 1992 {XSS}."),
        _event("1994", 'He visited in 1994 "<b>bold</b>".'),
        _event("2024-07", "They signed in July 2024 & more."),
        _event("2025-04-23", "He arrived on April 23, 2025."),
    ]
    answer = Timeline(events, [(events[1], events[2])]).to_answer()
    html = ui_render.render_answer(answer, {"a.txt": {"title": "<i>T</i>"}}, "a1")
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;" in html and "&amp; more" in html
    assert html.count('class="tl-dot') == len(events) == html.count("<li>")
    cx = [float(x) for x in re.findall(r'<circle class="tl-dot[^"]*" cx="([\d.]+)%"', html)]
    assert cx == sorted(cx) and 0 < cx[0] < cx[-1] < 100  # left to right in date order, inside the axis
    assert re.findall(r'<time class="tl-date" datetime="([^"]+)">', html) == [e.date for e in events]
    assert re.findall(r"<time[^>]*>([^<]+)</time>", html) == ["2 Apr 1992", "1994", "Jul 2024", "23 Apr 2025"]
    links = re.findall(r'href="#(a1-src-\d+)"', html)
    assert links and all(f'id="{target}"' in html for target in links)  # dots and [n] lead to source cards
    assert re.findall(r"<title>([^<]*)</title>", html)[0].startswith("2 Apr 1992: Relations began")
    assert ">1995<" in html and ">2025<" in html  # labelled year ticks
    assert "date one event differently" in html  # the disagreement stays, below the list
    assert ui_timeline.when("1994") == 1994.5 and ui_timeline.when("????-01-05") is None
    assert "4 events, 1992–2025 · each dot" in html  # one source each: nothing more to count
    told_twice = _event("1994", "He visited in 1994.", also=(_event("1994", "A 1994 visit.", source="b.txt").citation,))
    html = ui_render.render_answer(Timeline([told_twice]).to_answer(), {}, "a1")
    assert "1 event, 1994 · 2 sources (some events are told by more than one article)" in html  # a user counted 2


def test_a_decade_and_an_early_year_read_and_place_as_the_article_wrote_them() -> None:
    events = [_event("0830", "A state arose c. 830 AD."), _event("196", "It began shrinking in the 1960s.")]
    html = ui_render.render_answer(Timeline(events).to_answer(), {"a.txt": {"title": "T"}}, "a1")
    assert re.findall(r"<time[^>]*>([^<]+)</time>", html) == ["830", "1960s"]
    assert html.count('class="tl-dot tl-year"') == 2  # both dated coarser than a month: hollow
    assert ui_timeline.when("196") == 1965.0 and ui_timeline.when("0830") == 830.5


def test_a_changelog_dates_its_releases_by_their_headings(tmp_path: Path, fake_embedder: HashingEmbedder) -> None:
    folder = write_articles(tmp_path / "corpus", {
        "news.md": "# Releases\n\nv1.1.35: Feb 16 2022\n\n- Fix memory leak in the parser\n\n"
                   "1.0.5: Oct 10 2001\n\n- Faster sorting\n\nRelease 2019 notes\n\nThe project began in 2000.\n\n"
                   "2011-12-20 Ann Author <ann@example.org>\n\n- Entry by Ann.",
    })  # fmt: skip
    events = Assistant(folder, tmp_path / "index", embedder=fake_embedder).timeline().events
    assert [(e.date, e.text) for e in events] == [
        ("2000", "The project began in 2000."),
        ("2001-10-10", "1.0.5: Oct 10 2001"),
        ("2022-02-16", "v1.1.35: Feb 16 2022"),
    ]  # a heading with a year alone ("Release 2019 notes") dates nothing; a signature with its date neither


@pytest.mark.slow
def test_two_releases_are_no_disagreement_and_an_impossible_day_no_date(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    """Found by an integrator on util-linux's release notes: "The articles date one event differently: Jul 07
    2017 and Jul 16 2018" for the lines of two releases, 2.30.1 and 2.32.1 (nearly the same words, other
    versions); and a date parser's manual's example of a date it refuses, 2003-06-31, was an event."""
    line = "util-linux {} was released on {} with fixes in fdisk, lsblk, mount, losetup and the build system."
    folder = write_articles(tmp_path / "corpus", {
        "v2.30.1.txt": "Release Notes\n\n" + line.format("2.30.1", "Jul 07 2017"),
        "v2.32.1.txt": "Release Notes\n\n" + line.format("2.32.1", "Jul 16 2018"),
        "parse.txt": "Examples\n\nThe parser refuses 2003-06-31 as no such day exists, and takes 2004-02-29.",
    })  # fmt: skip
    timeline = Assistant(folder, tmp_path / "index", embedder=embedder).timeline()  # the two lines: cosine 0.9+
    assert [e.date for e in timeline.events] == ["2004-02-29", "2017-07-07", "2018-07-16"]
    assert timeline.disagreements == []
    assert [m.text for m in mentions("on June 31, 2003 or on February 29, 1900 or 30 February")] == []


def test_a_date_written_as_its_iso_form_is_shown_once() -> None:
    """Release notes write "2.2.19 (2019-12-07)": the line shows 2019-12-07 once, not
    "2019-12-07 (2019-12-07)" (found by a new user); a date written otherwise shows both forms."""
    iso = _event("2019-12-07", "Noteworthy changes in version 2.2.19 (2019-12-07)")
    worded = dataclasses.replace(_event("2024-07-03", "They signed it on July 3, 2024."), date_text="July 3, 2024")
    lines = Timeline([iso, worded]).to_answer().text.splitlines()
    assert lines[0] == "- 2019-12-07: Noteworthy changes in version 2.2.19 (2019-12-07) [1]"
    assert lines[1] == "- 2024-07-03 (July 3, 2024): They signed it on July 3, 2024. [2]"


def test_a_timeline_serialises_like_its_parts() -> None:
    """Found by a programmer: Answer, Citation, Passage and Event had to_dict, Timeline did not; Timeline
    and Event are importable from the package."""
    import assistant

    one, two = _event("1994", "He visited in 1994."), _event("1995", "He visited in 1995.", source="b.txt")
    found = assistant.Timeline([one, two], [(one, two)], query="visits")
    data = json.loads(json.dumps(found.to_dict()))
    assert data["query"] == "visits" and [e["date"] for e in data["events"]] == ["1994", "1995"]
    assert data["disagreements"] == [[one.to_dict(), two.to_dict()]] and assistant.Event is Event
