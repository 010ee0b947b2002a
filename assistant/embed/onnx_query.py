"""Questions embedded by ONNX Runtime: the same model, exported once, a few times faster than torch.

A question is one short text, so the time to answer one is mostly the model's forward pass plus
the framework around it. ONNX Runtime runs the exported graph three to four times faster than
torch on a small CPU, and it does not import torch at all, so the chat starts and answers sooner.

The export needs torch and a few seconds, so it happens once per model, when an index is built or
the chat starts, never while a question waits. It lands in the user's cache folder, keyed by the
model's files, and is kept only if its vectors match sentence-transformers' on probe sentences.

The export stays float32. onnxruntime's dynamic int8 quantisation was measured and not kept: for
passages too, not only questions, its vectors have cosine 0.95 to the float model's (chunks of the
shipped articles), and `assistant eval --split test` with it for both lost 0.017 answer accuracy on
sqlite, for 1.2-1.5x the speed. onnxruntime's transformer optimizer (its BERT fusions, on this
export and on one by torch's older TorchScript exporter) gave no gain either: the session's own
graph optimisations already fuse the same operators (the same vectors bit for bit; 0.96-1.01x the
time on 1,000-character chunks and on sentences, measured alternately in one process).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

EXPORT_VERSION = 2  # bump when the exported graph changes (2: any batch size)
PROBES = (
    "How much did trade between the two countries grow last year?",
    "A short one.",
    "The committee met on 3 April 2024 in the capital and signed 20 documents on energy, transport and culture.",
)
MIN_COSINE = 0.9999
_WEIGHTS = ("model.safetensors", "pytorch_model.bin")
_export_lock = threading.Lock()


def cache_dir() -> Path:
    """Where derived model files go: $ASSISTANT_CACHE_DIR, else the user's cache folder."""
    env = os.environ.get("ASSISTANT_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "assistant"


def onnx_file(model_path: Path) -> Path | None:
    """The exported model for the folder `model_path` (which may not exist yet); None without weights."""
    weights = next((model_path / n for n in _WEIGHTS if (model_path / n).is_file()), None)
    if weights is None:
        return None
    stat = weights.stat()
    key = f"{model_path.resolve()}|{weights.name}|{stat.st_size}|{stat.st_mtime_ns}|{EXPORT_VERSION}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / "onnx" / f"{model_path.name}-{digest}.onnx"


def available() -> bool:
    """Whether ONNX Runtime is installed (the export also needs onnx and onnxscript)."""
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


Encoded = tuple[list[int], list[int], list[int]]  # word-piece ids, type ids, mask
Tokenize = Callable[[str], Encoded]


class OnnxEncoder:
    """The exported model in ONNX Runtime: mean of the token vectors, normalised, as sentence-transformers."""

    def __init__(self, file: Path, tokenize: Tokenize, threads: int = 1) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.log_severity_level = 3
        # Questions: one thread each: a chat server answers several questions at once. Indexing: a
        # thread per core. Never spinning: a spin-waiting thread takes a core from other work, and an
        # indexing batch is long enough that waking costs nothing (32 chunks on a loaded 2-core
        # machine: 0.89x the time of spinning threads, measured alternately in one process).
        options.intra_op_num_threads = threads
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.file = file
        self._session = ort.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])
        self._names = {i.name for i in self._session.get_inputs()}
        self._tokenize = tokenize

    def __call__(self, text: str) -> np.ndarray:
        return self.batch([text])[0]

    def states(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        """The model's token states, (batch, width, dim), for padded ids, types and mask."""
        return np.asarray(self._session.run(None, {k: v for k, v in feeds.items() if k in self._names})[0])

    def batch(self, texts: list[str]) -> np.ndarray:
        """Vectors for texts of any lengths, padded to the longest (the mask keeps padding out)."""
        return self.batch_encoded([self._tokenize(t) for t in texts])

    def batch_encoded(self, encoded: list[Encoded]) -> np.ndarray:
        """`batch` of texts already tokenized."""
        width = max(len(ids) for ids, _, _ in encoded)
        feeds = {name: np.zeros((len(encoded), width), dtype=np.int64) for name in
                 ("input_ids", "attention_mask", "token_type_ids")}  # fmt: skip
        for row, (ids, types, mask) in enumerate(encoded):
            feeds["input_ids"][row, : len(ids)] = ids
            feeds["token_type_ids"][row, : len(ids)] = types
            feeds["attention_mask"][row, : len(ids)] = mask
        hidden = self.states(feeds)
        weights = feeds["attention_mask"].astype(np.float32)[:, :, None]
        vectors = (hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.asarray(vectors / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def export(
    model_path: Path,
    target: Path,
    tokenize: Tokenize,
    reference: Callable[[list[str]], np.ndarray],
) -> bool:
    """Export the transformer at `model_path` to `target`; True when it was written and checked.

    `reference` embeds texts the usual way (sentence-transformers); the export is kept only if its
    vectors for the probe sentences match those to MIN_COSINE.
    """
    with _export_lock:
        if target.is_file():
            return True
        try:
            import torch
            from transformers import AutoModel

            model = AutoModel.from_pretrained(str(model_path), local_files_only=True).eval()
            takes_types = "token_type_ids" in model.forward.__code__.co_varnames

            class Hidden(torch.nn.Module):
                def __init__(self, inner: Any) -> None:
                    super().__init__()
                    self.inner = inner

                def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                    extra = {"token_type_ids": token_type_ids} if takes_types else {}
                    return self.inner(input_ids=input_ids, attention_mask=attention_mask, **extra).last_hidden_state

            ids, types, mask = tokenize(PROBES[0])
            args = (torch.tensor([ids, ids]), torch.tensor([mask, mask]), torch.tensor([types, types]))
            batch, seq = torch.export.Dim("batch", min=1, max=4096), torch.export.Dim("seq", min=2, max=4096)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=target.parent, suffix=".onnx.tmp")
            os.close(fd)
            tmp = Path(tmp_name)
            try:
                with torch.inference_mode(False), _quiet():
                    program = torch.onnx.export(
                        Hidden(model), args, dynamo=True, external_data=False, verbose=False,
                        input_names=["input_ids", "attention_mask", "token_type_ids"],
                        output_names=["last_hidden_state"],
                        dynamic_shapes=({0: batch, 1: seq}, {0: batch, 1: seq}, {0: batch, 1: seq}),
                    )  # fmt: skip
                    assert program is not None
                    program.save(str(tmp))
                ours = OnnxEncoder(tmp, tokenize).batch(list(PROBES))  # one batch: padding is checked too
                theirs = np.asarray(reference(list(PROBES)), dtype=np.float32)
                worst = float(np.min(np.sum(ours * theirs, axis=1)))
                if worst < MIN_COSINE:
                    log.warning("ONNX export of %s differs from the model (cosine %.5f); not used", model_path, worst)
                    return False
                os.replace(tmp, target)
                return True
            finally:
                tmp.unlink(missing_ok=True)
        except Exception as exc:  # an optional speed-up: any failure leaves the torch path in place
            log.warning("could not export %s to ONNX (%s); questions use torch", model_path, exc)
            return False


class _quiet:
    """Silence the exporter's progress prints and warnings."""

    def __enter__(self) -> None:
        import contextlib
        import io
        import warnings

        self._stack = contextlib.ExitStack()
        self._stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
        self._stack.enter_context(warnings.catch_warnings())
        warnings.simplefilter("ignore")
        for name in ("torch.onnx", "torch.export", "onnxscript"):
            logging.getLogger(name).setLevel(logging.ERROR)

    def __exit__(self, *exc: object) -> None:
        self._stack.close()
