"""Everything works with the network unreachable: no download, no connection attempt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import ROOT, TINY_ARTICLES, write_articles

# Loaded before anything else in the child: every connection attempt is logged and refused.
SITECUSTOMIZE = textwrap.dedent(
    """
    import os, socket

    def _refuse(self, address, *args, **kwargs):
        with open(os.environ["NET_ATTEMPTS"], "a") as fh:
            fh.write(repr(address) + "\\n")
        raise OSError("network unreachable (test)")

    socket.socket.connect = _refuse
    socket.socket.connect_ex = _refuse
    socket.create_connection = lambda *a, **k: _refuse(None, a)
    """
)

CHILD = textwrap.dedent(
    """
    import json, sys
    from assistant.ingest.tokens import count_tokens
    from assistant import Assistant

    n = count_tokens("Offline tokenisation works.")
    bot = Assistant(corpus_dir=sys.argv[1], index_dir=sys.argv[2])
    hits = bot.search("When did the sleeper train restart?", k=1)
    print(json.dumps({"tokens": n, "top": hits[0].source}))
    """
)


@pytest.mark.slow
def test_tokenizer_model_and_index_work_without_network(tmp_path: Path) -> None:
    """...and leave nothing in the user's home folder: no library's telemetry (ONNX Runtime's device id
    and event queue under ~/.cache/Microsoft), no download cache; derived model files go to the cache
    folder the assistant names (here the one this run already uses, so the model is not exported again),
    and no copy of the tokenizer's file in the temporary folder (found by a new user)."""
    from assistant.embed.onnx_query import cache_dir

    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    attempts = tmp_path / "attempts.log"
    corpus = write_articles(tmp_path / "corpus", TINY_ARTICLES)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HF_", "TRANSFORMERS_", "TIKTOKEN_")) and key != "PYTHONPATH"
    }
    env.update(
        PYTHONPATH=str(site),
        NET_ATTEMPTS=str(attempts),
        TMPDIR=str(tmp_path / "tmp"),  # tiktoken would copy the package's BPE file to TMPDIR/data-gym-cache
        HF_HOME=str(tmp_path / "empty-hf-home"),
        HOME=str(tmp_path / "home"),
        ASSISTANT_CACHE_DIR=str(cache_dir()),
    )
    env.pop("XDG_CACHE_HOME", None)
    (tmp_path / "home").mkdir()
    (tmp_path / "tmp").mkdir()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(corpus), str(tmp_path / "index")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result == {"tokens": 5, "top": "rail.html"}
    assert not attempts.exists(), f"network was attempted: {attempts.read_text()}"
    written = sorted(str(p.relative_to(tmp_path / "home")) for p in (tmp_path / "home").rglob("*"))
    assert written == [], f"written to the home folder: {written}"
    assert not (tmp_path / "tmp" / "data-gym-cache").exists()  # a local file needs no cached copy
