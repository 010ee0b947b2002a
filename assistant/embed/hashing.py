"""A deterministic bag-of-words embedder for unit tests of plumbing (not for answers)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence

import numpy as np

Progress = Callable[[int], None]


class HashingEmbedder:
    """A deterministic bag-of-words embedder for unit tests of plumbing (not for answers)."""

    def __init__(self, dim: int = 64, name: str = "hashing-test") -> None:
        self.name = name
        self._dim = dim
        self.calls: list[int] = []

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def max_tokens(self) -> int:
        return 256

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 2

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self._dim, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
            vec[int.from_bytes(digest[:4], "little") % self._dim] += 1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        self.calls.append(len(texts))
        vectors = []
        for text in texts:  # in the order given, reporting each, as a batch at a time would
            vectors.append(self._vector(text))
            if progress:
                progress(1)
        return np.stack(vectors) if vectors else np.zeros((0, self._dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)
