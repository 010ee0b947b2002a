"""What the benchmarks measure with: wall time per call, percentiles, resident memory, the CPU's FLOP/s
and the model's arithmetic per token."""

from __future__ import annotations

import json
import os
import resource
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from .metrics import percentile

T = TypeVar("T")


def rss_mb(current: bool = False) -> float:
    """Peak (or, with `current`, present) resident memory of this process, in MB.

    Linux's VmHWM, not getrusage's ru_maxrss: the latter survives exec, so a child started by a
    parent that holds the model would report the parent's peak.
    """
    field = "VmRSS:" if current else "VmHWM:"
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def latency_pcts(seconds: Sequence[float]) -> dict[str, float]:
    return {"p50_ms": 1000 * percentile(seconds, 50), "p95_ms": 1000 * percentile(seconds, 95)}


def timed(fn: Callable[[T], Any], items: Sequence[T]) -> list[float]:
    """Seconds per call of fn on each item."""
    out = []
    for item in items:
        t = time.perf_counter()
        fn(item)
        out.append(time.perf_counter() - t)
    return out


def baseline_rss_mb() -> float:
    return float(os.environ.get("ASSISTANT_BENCH_BASE_RSS", "0"))


def matmul_parameters(model: str = "all-MiniLM-L6-v2") -> int:
    """Weights a token is multiplied by in a BERT-style encoder: its layers, not the embedding table.

    Looking a word piece up in the embedding table costs no arithmetic, so the FLOPs bound is
    2 x these per token (plus attention, which only lowers the bound further). all-MiniLM-L6-v2:
    10.6M of its 22.7M parameters.
    """
    from ..embed.embedding import resolve_model_path

    config = json.loads((resolve_model_path(model) / "config.json").read_text(encoding="utf-8"))
    h, inner, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    attention = 4 * h * h + 4 * h  # query, key, value and output projections
    feed_forward = 2 * h * inner + inner + h
    norms = 2 * 2 * h
    return int(layers * (attention + feed_forward + norms))


def cpu_flops() -> float:
    """Achievable float32 FLOP/s of this CPU, from a large matrix product (all cores)."""
    a = np.random.default_rng(0).standard_normal((2048, 2048), dtype=np.float32)
    a @ a  # warm up
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        a @ a
        best = min(best, time.perf_counter() - t)
    return 2 * 2048**3 / best
