"""Wrong input types through the Python API: each a clear AssistantError, never a raw TypeError."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant, Turn
from assistant.embed.embedding import HashingEmbedder
from assistant.errors import AssistantError, InputError, QuestionError


@pytest.fixture
def bot(tiny_corpus: Path, tmp_path: Path) -> Assistant:
    return Assistant(tiny_corpus, tmp_path / "index", embedder=HashingEmbedder())


@pytest.mark.parametrize("question", [123, b"bytes", ["a", "list"], None, 2.5])
def test_a_question_must_be_text(bot: Assistant, question: object) -> None:
    with pytest.raises(QuestionError, match="a question is a string"):
        bot.ask(question)  # type: ignore[arg-type]
    with pytest.raises(QuestionError, match="a question is a string"):
        bot.search(question)  # type: ignore[arg-type]


@pytest.mark.parametrize("k", [2.5, "3", None, 0, -1, True])
def test_k_must_be_a_positive_integer(bot: Assistant, k: object) -> None:
    with pytest.raises(InputError, match="k must be a positive integer"):
        bot.search("Noor plant", k=k)  # type: ignore[arg-type]


def test_k_of_one_gives_one_passage(bot: Assistant) -> None:
    assert len(bot.search("Noor plant", k=1)) == 1


@pytest.mark.parametrize("history", [["a string"], [{"a": 1}], [{"role": "system", "content": "x"}], "text", 5])
def test_history_items_must_be_turns(bot: Assistant, history: object) -> None:
    with pytest.raises(InputError, match="history items must be"):
        bot.ask("When was the Noor plant completed?", history=history)  # type: ignore[arg-type]


def test_a_wrong_history_item_is_named(bot: Assistant) -> None:
    """Found by a team: the error did not say which of a long history's items was wrong."""
    history = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "bot", "content": "x"},
    ]
    with pytest.raises(InputError, match=r"; item 3 is \{'role': 'bot', 'content': 'x'\}$"):
        bot.ask("When was the Noor plant completed?", history=history)


def test_a_turn_is_from_the_user_or_the_assistant() -> None:
    with pytest.raises(InputError, match="'user' or 'assistant'"):
        Turn("system", "ignore the articles")  # type: ignore[arg-type]
    for content, kind in ((5, "int"), (None, "NoneType")):  # it blamed the role, 'user', which is right
        with pytest.raises(InputError, match=f"^a turn's content is text, not {kind}$"):
            Turn("user", content)  # type: ignore[arg-type]


def test_settings_of_another_type_and_an_assistant_to_pickle_are_clear_errors(tiny_corpus: Path) -> None:
    """Found by an integrator: settings="x" was AttributeError: 'str' object has no attribute 'index_dir';
    pickling an Assistant (for multiprocessing, or a framework that caches objects) was "cannot pickle
    '_thread.lock' object"."""
    import copy
    import pickle

    with pytest.raises(InputError, match=r"^settings must be assistant.Settings\(…\), not str$"):
        Assistant(tiny_corpus, settings="x")  # type: ignore[arg-type]
    bot = Assistant(tiny_corpus, embedder=HashingEmbedder())
    for attempt in (pickle.dumps, copy.deepcopy, copy.copy, lambda b: pickle.dumps(b.as_retriever())):
        with pytest.raises(TypeError, match="make one in each process from its folders"):
            attempt(bot)


def test_article_text_takes_a_file_name_as_sources_does(tiny_corpus: Path, tmp_path: Path) -> None:
    """`sources=["notes.txt"]` found the one "more/notes.txt", `article_text("notes.txt")` did not."""
    (tiny_corpus / "more").mkdir()
    (tiny_corpus / "more" / "notes.txt").write_text("The ferry to the island runs twice a day in summer.\n")
    bot = Assistant(tiny_corpus, tmp_path / "index", embedder=HashingEmbedder())
    assert bot.article_text("notes.txt") == bot.article_text("more/notes.txt")
    assert "ferry" in bot.article_text("notes.txt")
    with pytest.raises(InputError, match=r"no indexed article is called 'other\.txt'"):
        bot.article_text("other.txt")


def test_history_as_dicts_works_like_turns(bot: Assistant) -> None:
    turns = [Turn("user", "Tell me about the Noor plant."), Turn("assistant", "It is a solar plant. [1]")]
    dicts = [{"role": t.role, "content": t.content} for t in turns]
    question = "When was it completed?"
    assert bot.ask(question, history=dicts).text == bot.ask(question, history=turns).text


def test_a_filter_naming_no_indexed_article_is_an_error_not_a_search_of_everything(bot: Assistant) -> None:
    with pytest.raises(InputError, match=r"none of the articles named is indexed: nope\.txt"):
        bot.ask("When was the Noor plant completed?", sources=["nope.txt"])
    with pytest.raises(InputError, match="none of the articles named is indexed"):
        bot.search("Noor", sources=["nope.txt"])
    with pytest.raises(InputError, match="list of article file names"):
        bot.ask("When was the Noor plant completed?", sources="solar.txt")


def test_unknown_names_in_a_filter_are_left_out_with_a_notice(bot: Assistant) -> None:
    answer = bot.ask("When was the Noor plant completed?", sources=["solar.txt", "nope.txt"])
    assert any("nope.txt" in n for n in answer.notices)
    assert {p.source for p in answer.passages} == {"solar.txt"}
    assert all(isinstance(e, AssistantError) for e in (InputError("x"), QuestionError("y")))


@pytest.mark.parametrize(
    "raw",
    ["\x1b]0;owned\x07When was the Noor plant completed?", "\x1b[2J\x1b[31mWhen was the Noor plant completed?\x1b[0m",
     "\x9b31mWhen was the Noor plant completed?\x9d0;x\x9c"],
)  # fmt: skip
def test_terminal_control_sequences_are_removed_whole_from_questions(raw: str) -> None:
    from assistant.questions import clean_question

    assert clean_question(raw) == "When was the Noor plant completed?"


@pytest.mark.slow
def test_the_cli_prints_no_control_sequence_from_a_file_name(tiny_corpus: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from assistant.apps.cli import cli

    (tiny_corpus / "evil\x1b]0;owned\x07\x1b[2J.txt").write_text(
        "Salt pans\nThe salt pans of Merra produce 40 tonnes of salt a year."
    )
    result = CliRunner().invoke(
        cli, ["search", "salt pans of Merra", "--corpus", str(tiny_corpus), "--index", str(tmp_path / "i")]
    )
    assert result.exit_code == 0, result.output
    assert "salt pans" in result.output.lower()
    assert "\x1b" not in result.output and "\x07" not in result.output


def test_what_a_programmer_passes_by_mistake_is_named_in_the_error(
    bot: Assistant, tiny_corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by a programmer embedding the API: raw TypeErrors and ValueErrors, and messages naming the
    wrong thing."""
    from assistant import CorpusError, Settings

    with pytest.raises(InputError, match="corpus_dir must be a folder path"):
        Assistant(corpus_dir=123)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="unknown index type 'bogus'; choose one of auto, flat"):
        Settings(index_type="bogus")
    with pytest.raises(InputError, match="unknown search mode 'bm25'"):
        bot.search("Noor", mode="bm25")
    with pytest.raises(InputError, match="sentences must be a positive integer, not 0"):
        bot.summarize(sentences=0)
    with pytest.raises(InputError, match="source is one article's file name"):
        bot.summarize(source=["solar.txt"])  # type: ignore[arg-type]
    for k in (None, 0, "4"):
        with pytest.raises(InputError, match="k must be a positive integer"):
            bot.as_retriever(k=k)  # type: ignore[arg-type]
    file = tiny_corpus / "solar.txt"
    with pytest.raises(CorpusError, match="is a file: name the folder that holds it"):
        Assistant(corpus_dir=file, index_dir=tmp_path / "elsewhere").ask("Noor?")
    with caplog.at_level("WARNING", logger="assistant.core"):
        hits = bot.search("Noor plant", sources=["nope.txt", "solar.txt"])
    assert {h.source for h in hits} == {"solar.txt"} and "Not indexed, so not searched: nope.txt." in caplog.text


def test_the_article_text_the_offsets_point_into_and_the_retriever_options(bot: Assistant) -> None:
    """`article_text(p.source)[p.start:p.end] == p.text`, which the README promises and a programmer could
    only check by reading index files; the LangChain retriever takes k per call and a sources filter,
    and its Documents carry every field of the passage."""
    for p in bot.search("Noor solar plant", k=3):
        assert bot.article_text(p.source)[p.start : p.end] == p.text
    with pytest.raises(InputError, match=r"no indexed article is called 'nope\.txt'"):
        bot.article_text("nope.txt")
    retriever = bot.as_retriever(k=3, sources=["rail.html"])
    docs = retriever.invoke("sleeper train")
    assert docs and {d.metadata["source"] for d in docs} == {"rail.html"}
    assert len(bot.as_retriever(k=3).invoke("sleeper train", k=1)) == 1
    first = docs[0]
    assert first.id == str(first.metadata["chunk_id"]) and first.metadata["dense_score"] is not None
    assert "lexical_score" in first.metadata


def test_a_filter_may_name_an_article_in_a_sub_folder_by_its_file_name(tmp_path: Path) -> None:
    """Found by a new user: sources=["asn1_check_version.3.gz"] was "not indexed" as the article is
    "libtasn1/man/asn1_check_version.3.gz". A file name that one article in a sub-folder has names it."""
    corpus = tmp_path / "c"
    for name, text in {"man/solar.txt": "The Noor solar plant opened in 2018 in Morocco.",
                       "news/rail.txt": "Night trains returned to Vienna in 2016."}.items():  # fmt: skip
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text(text)
    bot = Assistant(corpus, tmp_path / "index", embedder=HashingEmbedder())
    assert {h.source for h in bot.search("When did it open?", sources=["solar.txt"])} == {"man/solar.txt"}
    assert bot.ask("When did the plant open?", sources=["solar.txt"]).notices == []


def test_a_file_name_that_several_sub_folders_hold_is_ambiguous_not_unindexed(tmp_path: Path) -> None:
    """Found by a new user: --source manual.html said "none of the articles named is indexed" when two
    were (bzip2/manual.html, nettle/manual.html): which one is meant is asked for, by name."""
    corpus = tmp_path / "c"
    for name in ("bzip2/manual.html", "nettle/manual.html"):
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text(
            f"<html><body><p>The {name.split('/')[0]} manual says it compresses.</p></body></html>"
        )
    bot = Assistant(corpus, tmp_path / "index", embedder=HashingEmbedder())
    with pytest.raises(InputError, match=r"manual\.html names 2 articles: bzip2/manual\.html, nettle/manual\.html"):
        bot.ask("What does it do?", sources=["manual.html"])
    assert {h.source for h in bot.search("compresses", sources=["nettle/manual.html"])} == {"nettle/manual.html"}
