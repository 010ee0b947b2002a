"""The index on disk: incremental updates, rebuilds, crash safety, and no pickle."""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant import Assistant
from assistant.embed.embedding import HashingEmbedder, SentenceTransformerEmbedder
from assistant.errors import CorpusError, IndexStateError
from assistant.ingest.chunking import ChunkSettings
from assistant.ingest.corpus import load_corpus
from assistant.settings import Settings
from assistant.store.files import open_index
from assistant.store.files_sync import sync

from .conftest import ROOT, TINY_ARTICLES

NEW_ARTICLE = "Glaciers in the Alps lost ten percent of their volume during the summers of 2022 and 2023."


def _sync(corpus: Path, index: Path, embedder: HashingEmbedder, **kwargs: object):  # type: ignore[no-untyped-def]
    return sync(load_corpus(corpus).articles, index, embedder, **kwargs)  # type: ignore[arg-type]


def _chunk_sources(index: Path) -> set[str]:
    return {c.source for c in open_index(index).chunks}


def test_first_build_then_nothing_to_do(tiny_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder) -> None:
    index = tmp_path / "index"
    first = _sync(tiny_corpus, index, fake_embedder)
    assert first.written and first.rebuilt == "no index yet"
    total = first.embedded_chunks
    assert total == len(open_index(index).chunks) > 0
    again = _sync(tiny_corpus, index, fake_embedder)
    assert not again.written and again.embedded_chunks == 0
    assert sorted(again.unchanged) == sorted(TINY_ARTICLES)


def test_add_change_remove_touch_only_what_changed(
    tiny_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    index = tmp_path / "index"
    _sync(tiny_corpus, index, fake_embedder)
    before = {c.id: c for c in open_index(index).chunks}

    (tiny_corpus / "glaciers.txt").write_text(NEW_ARTICLE)
    added = _sync(tiny_corpus, index, fake_embedder)
    assert added.added == ["glaciers.txt"] and not added.changed and not added.removed
    new_chunks = [c for c in open_index(index).chunks if c.source == "glaciers.txt"]
    assert added.embedded_chunks == len(new_chunks) == 1 and added.embedded_sentences == 1
    assert fake_embedder.calls[-1] == 2  # the new chunk and its sentence, in one call, and nothing else

    (tiny_corpus / "solar.txt").write_text(TINY_ARTICLES["solar.txt"] + " A fourth phase is planned for 2030.")
    changed = _sync(tiny_corpus, index, fake_embedder)
    assert changed.changed == ["solar.txt"] and not changed.added
    solar = [c for c in open_index(index).chunks if c.source == "solar.txt"]
    assert changed.embedded_chunks == len(solar)
    assert any("2030" in c.text for c in solar)
    # Untouched articles keep their chunks and their vectors.
    data = open_index(index)
    for row, chunk in enumerate(data.chunks):
        if chunk.source == "bees.md":
            assert before[chunk.id] == chunk
            assert np.allclose(data.dense.reconstruct(row), fake_embedder.embed_query(chunk.text))

    (tiny_corpus / "rail.html").unlink()
    removed = _sync(tiny_corpus, index, fake_embedder)
    assert removed.removed == ["rail.html"] and removed.embedded_chunks == 0
    data = open_index(index)
    assert "rail.html" not in _chunk_sources(index) and "rail.html" not in data.articles
    assert data.dense.ntotal == len(data.chunks)
    assert data.lexical.search("sleeper couchette Vienna", k=5) == []


def test_settings_change_rebuilds_and_says_why(
    tiny_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    index = tmp_path / "index"
    _sync(tiny_corpus, index, fake_embedder)
    report = _sync(tiny_corpus, index, fake_embedder, chunking=ChunkSettings(chunk_tokens=20, overlap_tokens=5))
    assert report.rebuilt and "chunking settings changed" in report.rebuilt
    assert report.embedded_chunks == len(open_index(index).chunks)
    other_model = HashingEmbedder(dim=32, name="another-model")
    report = _sync(tiny_corpus, index, other_model, chunking=ChunkSettings(chunk_tokens=20, overlap_tokens=5))
    assert report.rebuilt and "model settings changed" in report.rebuilt


def test_index_type_change_rebuilds_faiss_without_embedding(
    tiny_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    index = tmp_path / "index"
    _sync(tiny_corpus, index, fake_embedder)
    report = _sync(tiny_corpus, index, fake_embedder, index_type="hnsw")
    assert report.written and report.embedded_chunks == 0
    assert json.loads((index / "manifest.json").read_text())["dense"]["type"] == "hnsw"
    assert "IndexHNSW" in type(open_index(index).dense).__name__


@pytest.mark.slow
def test_add_article_embeds_only_its_chunks_with_the_real_model(
    tiny_corpus: Path, tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    calls: list[int] = []

    class Counting:
        name, dim, max_tokens = embedder.name, embedder.dim, embedder.max_tokens
        count_tokens = staticmethod(embedder.count_tokens)
        embed_query = staticmethod(embedder.embed_query)

        @staticmethod
        def embed_documents(texts, progress=None):  # type: ignore[no-untyped-def]
            calls.append(len(texts))
            return embedder.embed_documents(texts, progress)

    bot = Assistant(tiny_corpus, tmp_path / "index", embedder=Counting())  # type: ignore[arg-type]
    bot.index()
    (tiny_corpus / "glaciers.txt").write_text(NEW_ARTICLE)
    report = bot.index()
    assert report.added == ["glaciers.txt"] and calls[-1] == 2  # one chunk and one sentence, in one call
    assert report.embedded_chunks == report.embedded_sentences == 1
    hit = bot.search("How much ice did Alpine glaciers lose?", k=1)[0]
    assert hit.source == "glaciers.txt"


def test_empty_corpus_is_a_clear_error(tmp_path: Path, fake_embedder: HashingEmbedder) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no readable articles"):
        _sync(tmp_path / "empty", tmp_path / "index", fake_embedder)


# --- crash safety -------------------------------------------------------------------------

KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from assistant.ingest.corpus import load_corpus
    from assistant.embed.embedding import HashingEmbedder
    from assistant.store.files_sync import sync

    corpus, index, step = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]

    def fault(name):
        if name == step:
            os.kill(os.getpid(), signal.SIGKILL)

    def progress(done, total):
        if step == "embedding":
            os.kill(os.getpid(), signal.SIGKILL)

    sync(load_corpus(corpus).articles, index, HashingEmbedder(), rebuild=True, progress=progress, fault=fault)
    """
)


@pytest.mark.parametrize("step", ["embedding", "chunks", "dense", "manifest", "swap", "between-renames"])
def test_killed_build_leaves_the_previous_index_loadable(
    step: str, tiny_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    index = tmp_path / "index"
    _sync(tiny_corpus, index, fake_embedder)
    before = open_index(index).chunks
    (tiny_corpus / "glaciers.txt").write_text(NEW_ARTICLE)
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, str(tiny_corpus), str(index), step], capture_output=True, cwd=ROOT, timeout=120
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    assert open_index(index).chunks == before  # the old index, whole
    report = _sync(tiny_corpus, index, fake_embedder)  # and the next build finishes the job
    assert report.added == ["glaciers.txt"]
    assert not list(tmp_path.glob(".index.tmp-*")), "temporary build folders are cleaned up"


# --- damaged or hostile files -------------------------------------------------------------


class Boom:
    """Unpickling this runs code: the test fails if the marker file appears."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize(
    "target", ["vectors.npy", "sentences.npy", "dense.faiss", "chunks.jsonl", "bm25/data.csc.index.npy"]
)
def test_planted_pickle_is_rejected_not_run(
    target: str, tiny_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    index = tmp_path / "index"
    _sync(tiny_corpus, index, fake_embedder)
    marker = tmp_path / "pwned"
    payload = np.array([Boom(marker)], dtype=object)
    with (index / target).open("wb") as fh:
        if target.endswith(".npy"):
            np.save(fh, payload, allow_pickle=True)
        else:
            pickle.dump(Boom(marker), fh)
    with pytest.raises(IndexStateError, match="damaged"):
        open_index(index)
    # Even an attacker who also rewrites the checksums gets a refusal, not execution.
    from assistant.store.files import file_hash

    manifest = json.loads((index / "manifest.json").read_text())
    top = target.split("/")[0]
    manifest["files"][top] = file_hash(index / top)
    (index / "manifest.json").write_text(json.dumps(manifest))
    for attempt in (lambda: open_index(index), lambda: _sync(tiny_corpus, index, fake_embedder)):
        with contextlib.suppress(IndexStateError):
            attempt()
    assert not marker.exists()


def test_loading_never_unpickles(
    tiny_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "index"
    _sync(tiny_corpus, index, fake_embedder)

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("pickle used while loading the index")

    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    data = open_index(index)
    assert data.chunks and data.lexical.search("bees pollinate crops", k=3)
    for path in index.rglob("*"):
        if path.is_file():
            assert not path.read_bytes().startswith(b"\x80"), f"{path} looks like a pickle"


def _rehash(index: Path, name: str) -> None:
    """Make the manifest's checksum match a damaged file, so only deeper checks can catch it."""
    from assistant.store.files import file_hash

    manifest = json.loads((index / "manifest.json").read_text())
    manifest["files"][name] = file_hash(index / name)
    (index / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    "damage",
    [
        "truncate-faiss",
        "corrupt-faiss",
        "drop-chunk",
        "drop-chunk-rehashed",
        "delete-bm25",
        "missing-sentences",
        "bad-manifest",
        "other-schema",
        "other-model",
    ],
)
def test_damaged_index_is_detected_and_rebuilt(
    damage: str, tiny_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    index = tmp_path / "index"
    _sync(tiny_corpus, index, fake_embedder)
    if damage == "truncate-faiss":
        path = index / "dense.faiss"
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "corrupt-faiss":
        path = index / "dense.faiss"
        data = bytearray(path.read_bytes())
        data[len(data) // 2 : len(data) // 2 + 64] = b"\xff" * 64  # same size, different bytes
        path.write_bytes(bytes(data))
    elif damage in ("drop-chunk", "drop-chunk-rehashed"):
        lines = (index / "chunks.jsonl").read_text().splitlines()
        (index / "chunks.jsonl").write_text("\n".join(lines[:-1]) + "\n")
        if damage == "drop-chunk-rehashed":
            _rehash(index, "chunks.jsonl")  # checksums agree: the count check must catch it
    elif damage == "missing-sentences":
        (index / "sentences.npy").unlink()
    elif damage in ("other-schema", "other-model"):
        manifest = json.loads((index / "manifest.json").read_text())
        if damage == "other-schema":
            manifest["schema_version"] = 1
        else:
            manifest["model"]["name"] = "some-other-model"
        (index / "manifest.json").write_text(json.dumps(manifest))
    elif damage == "delete-bm25":
        for f in (index / "bm25").iterdir():
            f.unlink()
    else:
        (index / "manifest.json").write_text("{not json")
    if damage not in ("other-schema", "other-model"):  # those still load; the sync sees they are stale
        with pytest.raises(IndexStateError, match="assistant index --rebuild"):
            open_index(index)
    settings = Settings(corpus_dir=tiny_corpus, index_dir=index)
    bot = Assistant(settings=settings, embedder=fake_embedder)
    assert bot.search("night train tickets", k=1)  # the assistant notices and rebuilds by itself
    assert bot.last_sync is not None and bot.last_sync.written


@pytest.mark.slow
def test_real_model_embeddings_are_normalised(tmp_path: Path) -> None:
    vecs = SentenceTransformerEmbedder().embed_documents(["one sentence", "another, longer sentence here"])
    assert vecs.dtype == np.float32 and vecs.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_every_index_type_searches_and_filters(
    kind: str, tiny_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    settings = Settings(corpus_dir=tiny_corpus, index_dir=tmp_path / "index", index_type=kind)
    bot = Assistant(settings=settings, embedder=fake_embedder)
    hits = bot.search("bees pollinate crops", k=3, mode="dense")
    total = len(bot._ready().data.chunks)
    assert len(hits) == min(3, total) and hits[0].source == "bees.md"
    only = bot.search("bees pollinate crops", k=2, sources=["solar.txt"], mode="dense")
    assert only and {p.source for p in only} == {"solar.txt"}
    assert all(p.dense_score is not None for p in bot.search("sleeper train", k=3))


BUILDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from assistant.ingest.corpus import load_corpus
    from assistant.embed.embedding import HashingEmbedder
    from assistant.store.files_sync import sync

    corpus, index = Path(sys.argv[1]), Path(sys.argv[2])
    sync(load_corpus(corpus).articles, index, HashingEmbedder(), rebuild=True)
    """
)


def test_two_builds_at_once_do_not_corrupt_each_other(tiny_corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    procs = [
        subprocess.Popen([sys.executable, "-c", BUILDER, str(tiny_corpus), str(index)], stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    data = open_index(index)  # verified: every checksum and count agrees
    assert {c.source for c in data.chunks} == {"solar.txt", "bees.md", "rail.html"}
    assert not list(tmp_path.glob(".index.tmp-*"))  # no temp builds left behind


def test_auto_index_type_is_exact_when_small_and_checked_hnsw_when_large(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.store import dense

    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((2000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    faiss = dense._faiss()
    assert isinstance(dense.build(vectors, "auto"), faiss.IndexFlat)
    monkeypatch.setattr(dense, "APPROXIMATE_FROM", 1000)
    index = dense.build(vectors, "auto")
    assert isinstance(index, faiss.IndexHNSW)
    assert dense.recall_at_10(index, vectors, seed=7) >= dense.MIN_RECALL  # checked on other queries too


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (lambda m: m.pop("counts"), "counts: field required"),
        (lambda m: m.update(files=list(m["files"])), "files: input should be a valid dictionary"),
        (lambda m: m["counts"].update(chunks="many"), "counts.chunks"),
    ],
)
def test_a_manifest_of_the_wrong_shape_is_rebuilt_not_a_traceback(
    damage: Any, said: str, tiny_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    index = tmp_path / "index"
    _sync(tiny_corpus, index, fake_embedder)
    manifest = json.loads((index / "manifest.json").read_text())
    damage(manifest)
    (index / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexStateError, match="not a valid index manifest"):
        open_index(index)
    report = _sync(tiny_corpus, index, fake_embedder)
    assert report.rebuilt is not None and said in report.rebuilt
    assert open_index(index).chunks


@pytest.mark.parametrize("name", ["dense.faiss", "bm25/params.index.json"])
def test_a_damaged_search_file_is_named_and_the_repair_says_so(
    name: str, tiny_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    index = tmp_path / "index"
    _sync(tiny_corpus, index, fake_embedder)
    (index / name).write_bytes(b"damaged")
    report = _sync(tiny_corpus, index, fake_embedder)
    assert report.written and report.embedded_chunks == 0  # rebuilt from the stored vectors
    assert "repaired" in report.summary() and str(index / name.split("/")[0]) in report.summary()
    assert open_index(index).chunks


def test_only_statements_are_embedded_at_build_the_rest_when_read(
    tiny_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    from assistant.ingest.sentences import is_statement

    index = tmp_path / "index"
    report = _sync(tiny_corpus, index, fake_embedder)
    data = open_index(index)
    texts = [data.articles[s.source].text[s.start : s.end] for s in data.sentences]
    stored = np.load(index / "sentences.npy")
    heading = texts.index("Solar farms in the desert")
    statements = [i for i, t in enumerate(texts) if is_statement(t)]
    assert not stored[heading].any() and heading not in statements
    assert all(stored[i].any() for i in statements)
    assert report.embedded_sentences == len(statements) < len(texts)

    bot = Assistant(corpus_dir=tiny_corpus, index_dir=index, embedder=fake_embedder)
    vectors = bot._ready().data.sentence_vectors
    got = vectors[[heading, statements[0]]]
    assert np.allclose(got[0], fake_embedder.embed_documents([texts[heading]])[0]) and got[0].any()
    assert np.array_equal(got[1], stored[statements[0]])
    calls = len(fake_embedder.calls)
    assert np.array_equal(vectors[[heading]][0], got[0]) and len(fake_embedder.calls) == calls  # made once, kept


def test_a_reader_answers_from_the_folder_index_another_process_rebuilt(
    tiny_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder
) -> None:
    """Found by a team serving the chat: after `assistant index` added, changed and removed articles, the
    running server answered from the old index (and cited a deleted file) until it was restarted."""
    from assistant.store import files

    reader = Assistant(tiny_corpus, tmp_path / "index", embedder=fake_embedder)  # a chat server, say
    assert "glaciers.txt" not in reader.sources
    (tiny_corpus / "glaciers.txt").write_text("Glaciers\n\nThe glacier retreated four kilometres in a century.\n")
    (tiny_corpus / "solar.txt").unlink()
    Assistant(tiny_corpus, tmp_path / "index", embedder=fake_embedder).index()  # `assistant index`, elsewhere
    data = reader._ready().data
    assert "glaciers.txt" not in reader.sources  # looked for at most every REFRESH_S seconds
    data._checked -= files.REFRESH_S  # type: ignore[attr-defined]  # as if that time had passed
    assert "glaciers.txt" in reader.sources and "solar.txt" not in reader.sources
    assert [h.source for h in reader.search("glacier retreated", k=1)] == ["glaciers.txt"]
