"""Questions through torch without sentence-transformers: the transformer and mean pooling alone, for a
model folder that is just that (the same vectors, a leaner import). ONNX Runtime is preferred when exported."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .._offline import go_offline

PLAIN_MODULES = [
    ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling"],
    ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
     "sentence_transformers.models.Normalize"],
]  # fmt: skip


def plain_mean_pooling(path: Path) -> bool:
    """Whether the model folder is a transformer + mean pooling (+ normalise) with a fast tokenizer."""
    import json

    try:
        modules = [m["type"] for m in json.loads((path / "modules.json").read_text())]
        pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError, KeyError, TypeError):
        return False
    mean_only = pooling.get("pooling_mode_mean_tokens") and not any(
        v for k, v in pooling.items() if k.startswith("pooling_mode_") and k != "pooling_mode_mean_tokens"
    )
    return modules in PLAIN_MODULES and bool(mean_only) and (path / "tokenizer.json").is_file()


Tokenize = Callable[[str], tuple[list[int], list[int], list[int]]]


def torch_encoder(path: Path, tokenize: Tokenize) -> Callable[[str], np.ndarray]:
    """One text at a time through transformers' model class: no sentence-transformers import."""
    go_offline()
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(path), local_files_only=True).eval()
    lock = threading.Lock()

    def encode(text: str) -> np.ndarray:
        ids, types, mask = tokenize(text)
        with lock, torch.inference_mode():
            out = model(
                input_ids=torch.tensor([ids]),
                token_type_ids=torch.tensor([types]),
                attention_mask=torch.tensor([mask]),
            ).last_hidden_state[0]
        m = torch.tensor(mask, dtype=out.dtype).unsqueeze(-1)
        vec = (out * m).sum(0) / m.sum().clamp(min=1e-9)
        vec = torch.nn.functional.normalize(vec, dim=0)
        return np.asarray(vec.numpy(), dtype=np.float32)

    return encode
