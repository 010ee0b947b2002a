"""The lean question encoder gives the same vectors as sentence-transformers, without importing it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from assistant.embedding import SentenceTransformerEmbedder

pytestmark = pytest.mark.slow

TEXTS = [
    "How much did trade between China and Azerbaijan grow in 2024?",
    "x",
    "",
    "Émile’s café — naïve 🙂 question? <b>bold</b>",
    "Azerbaijan " * 400,  # longer than the model reads: truncated as sentence-transformers does
]


def test_question_vectors_match_sentence_transformers(embedder: SentenceTransformerEmbedder) -> None:
    fresh = SentenceTransformerEmbedder()
    assert fresh._query_encoder() is not None  # the packaged model takes the lean path
    lean = np.stack([fresh.embed_query(t) for t in TEXTS])
    full = embedder._load().encode(TEXTS, normalize_embeddings=True)
    np.testing.assert_allclose(np.sum(lean * full, axis=1), 1.0, atol=1e-5)


def test_answering_a_question_does_not_import_sentence_transformers(shipped_index) -> None:
    code = (
        "import sys; from assistant import Assistant; "
        f"bot = Assistant(index_dir={str(shipped_index)!r}); bot.ask('When were relations established?'); "
        "print('sentence_transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False"


def test_other_model_layouts_use_sentence_transformers(tmp_path) -> None:
    from assistant.embedding import _mean_pooling_encoder

    (tmp_path / "modules.json").write_text('[{"type": "sentence_transformers.models.Transformer"}, '
                                           '{"type": "sentence_transformers.models.Dense"}]')  # fmt: skip
    assert _mean_pooling_encoder(tmp_path, 256, lambda: None) is None
    assert _mean_pooling_encoder(tmp_path / "missing", 256, lambda: None) is None
