"""The lean question encoders (torch, ONNX Runtime) give the same vectors as sentence-transformers."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from assistant.embed import onnx_query
from assistant.embed.embedding import SentenceTransformerEmbedder
from assistant.embed.onnx_query import Encoded
from assistant.embed.torch_query import plain_mean_pooling, torch_encoder

pytestmark = pytest.mark.slow

TEXTS = [
    "How much did trade between China and Azerbaijan grow in 2024?",
    "x",
    "",
    "Émile’s café — naïve 🙂 question? <b>bold</b>",
    "Azerbaijan " * 400,  # longer than the model reads: truncated as sentence-transformers does
]


@pytest.fixture(scope="module")
def onnx_ready(embedder: SentenceTransformerEmbedder) -> Path:
    """The packaged model exported once into this test session's cache (conftest sets it)."""
    assert embedder.prepare_fast_queries()
    exported = onnx_query.onnx_file(embedder.path)
    assert exported is not None and exported.is_file()
    return exported


def _cosines(vectors: np.ndarray, embedder: SentenceTransformerEmbedder) -> np.ndarray:
    full = embedder._load().encode(TEXTS, normalize_embeddings=True)
    return np.sum(vectors * full, axis=1)


def test_torch_question_vectors_match_sentence_transformers(embedder: SentenceTransformerEmbedder) -> None:
    fresh = SentenceTransformerEmbedder()
    encode = torch_encoder(fresh.path, fresh._tokenize)
    np.testing.assert_allclose(_cosines(np.stack([encode(t) for t in TEXTS]), embedder), 1.0, atol=1e-5)


def test_onnx_question_vectors_match_sentence_transformers(
    embedder: SentenceTransformerEmbedder, onnx_ready: Path
) -> None:
    fresh = SentenceTransformerEmbedder()
    assert fresh.query_backend == "onnx"
    vectors = np.stack([fresh.embed_query(t) for t in TEXTS])
    np.testing.assert_allclose(_cosines(vectors, embedder), 1.0, atol=1e-4)


def test_onnx_passage_vectors_match_sentence_transformers(
    embedder: SentenceTransformerEmbedder, onnx_ready: Path
) -> None:
    fresh = SentenceTransformerEmbedder(batch_size=2)  # batches of texts of very different lengths: padding
    vectors = fresh.embed_documents(TEXTS)
    assert fresh._onnx_encoder() is not None
    np.testing.assert_allclose(_cosines(vectors, embedder), 1.0, atol=1e-4)


def test_batches_embedded_at_once_give_the_vectors_of_one_at_a_time(onnx_ready: Path) -> None:
    """`workers`: several batches at once on one thread each, or one batch at a time on every core."""
    words = ["trade", "energy", "corridor", "ministers", "signed", "agreements", "ports", "rail", "gas"]
    texts = [" ".join(words[(i + j) % len(words)] for j in range(3 + 5 * (i % 50))) for i in range(200)]
    together = SentenceTransformerEmbedder(workers=3)
    started: list[str] = []
    original = together._onnx_batch_encoder()
    assert original is not None

    def batch(some: list[Encoded]) -> np.ndarray:
        started.append(threading.current_thread().name)
        return original.batch_encoded(some)

    spy = type("Spy", (), {"batch_encoded": staticmethod(batch), "file": original.file})()
    together._onnx_batch = together._onnx = spy
    vectors = together.embed_documents(texts)
    assert len(started) > 3 and all(name.startswith("embed") for name in started)  # in the workers' threads
    alone = SentenceTransformerEmbedder(workers=1).embed_documents(texts)
    np.testing.assert_allclose(vectors, alone, atol=1e-6)


def test_a_repeated_text_is_embedded_once_and_every_row_gets_its_vector(onnx_ready: Path) -> None:
    embedder = SentenceTransformerEmbedder()
    texts = ["Returns a new buffer.", "The port is closed after the call.", "Returns a new buffer."] * 3
    seen: list[int] = []
    original = embedder._onnx_batch_encoder()
    assert original is not None

    def batch(some: list[Encoded]) -> np.ndarray:
        seen.append(len(some))
        return original.batch_encoded(some)

    spy = type("Spy", (), {"batch_encoded": staticmethod(batch), "file": original.file})()
    embedder._onnx_batch = embedder._onnx = spy
    done: list[int] = []
    vectors = embedder.embed_documents(texts, progress=done.append)
    assert sum(seen) == 2 and sum(done) == len(texts)  # two distinct texts; progress counts every row
    alone = np.stack([SentenceTransformerEmbedder(workers=1).embed_documents([t])[0] for t in texts[:2]])
    np.testing.assert_allclose(vectors, alone[[0, 1, 0] * 3], atol=1e-6)


def test_answering_with_the_exported_model_imports_no_torch(shipped_index: Path, onnx_ready: Path) -> None:
    code = (
        "import sys; from assistant import Assistant; "
        f"bot = Assistant(index_dir={str(shipped_index)!r}); a = bot.ask('When were relations established?'); "
        "print(bot.embedder.query_backend, bool(a.citations), any(m in sys.modules for m in "
        "('torch', 'transformers', 'sentence_transformers')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1].split() == ["onnx", "True", "False"]


def test_without_the_export_questions_use_torch_not_sentence_transformers(shipped_index: Path, tmp_path: Path) -> None:
    code = (
        "import sys; from assistant import Assistant; "
        f"bot = Assistant(index_dir={str(shipped_index)!r}); bot.ask('When were relations established?'); "
        "print(bot.embedder.query_backend, 'sentence_transformers' in sys.modules)"
    )
    env = {**os.environ, "ASSISTANT_CACHE_DIR": str(tmp_path / "empty-cache")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip().splitlines()[-1].split() == ["torch", "False"]


def test_a_damaged_export_falls_back_to_torch_and_is_removed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(tmp_path))
    fresh = SentenceTransformerEmbedder()
    damaged = onnx_query.onnx_file(fresh.path)
    assert damaged is not None
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(b"not a model at all")
    with caplog.at_level(logging.WARNING):
        assert fresh.query_backend == "torch"
    assert "questions use torch" in caplog.text
    assert not damaged.exists()  # the next export replaces it
    assert fresh.fast_queries_pending


def test_an_export_that_disagrees_with_the_model_is_not_kept(
    embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    target = tmp_path / "model.onnx"

    def wrong(texts: list[str]) -> np.ndarray:
        vectors = np.asarray(embedder._load().encode(texts, normalize_embeddings=True))
        return np.roll(vectors, 1, axis=1)

    assert not onnx_query.export(embedder.path, target, embedder._tokenize, wrong)
    assert not target.exists() and not list(tmp_path.iterdir())  # no temporary file left behind either


def test_other_model_layouts_use_sentence_transformers(tmp_path: Path) -> None:
    (tmp_path / "modules.json").write_text('[{"type": "sentence_transformers.models.Transformer"}, '
                                           '{"type": "sentence_transformers.models.Dense"}]')  # fmt: skip
    assert not plain_mean_pooling(tmp_path)
    assert not plain_mean_pooling(tmp_path / "missing")
