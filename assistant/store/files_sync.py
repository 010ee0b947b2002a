"""Building and updating the index folder: only new or changed articles embedded, written to a
temporary folder beside it and swapped in under a lock, so a failed build leaves the old index."""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..embed.embedding import Embedder
from ..embed.vectors import vectors_for
from ..errors import CorpusError, IndexStateError
from ..ingest.chunking import ChunkSettings
from ..ingest.corpus import NO_ARTICLES
from ..paths import can_create
from ..records import Article, Chunk, Sentence
from . import dense, replacement
from .files import Progress, build_lock, file_hash, read_jsonl, read_manifest, verify
from .folder import (
    ARTICLES,
    BM25,
    CHUNKS,
    DENSE,
    FILES,
    MANIFEST,
    README,
    SENTENCE_VECTORS,
    SENTENCES,
    VECTORS,
    Writing,
    check_writable,
    read_only,
    recover,
    remove_ours,
    swap,
)
from .format import FORMAT_README
from .lexical import LexicalIndex
from .protocol import (
    SCHEMA_VERSION,
    SyncReport,
    plan_sync,
    settings_fingerprint,
    stale_reason,
    text_hash,
)

logger = logging.getLogger(__name__)


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_index(
    folder: Path,
    articles: list[Article],
    chunks: list[Chunk],
    vectors: np.ndarray,
    sentences: list[Sentence],
    sentence_vectors: np.ndarray,
    fingerprint: dict[str, Any],
    index_type: str,
    fault: Callable[[str], None] | None = None,
) -> None:
    """Write a complete index into a temporary folder beside `folder`, then swap it in.

    Raises IndexWriteError naming the file when a write fails (a full disk); the temporary
    folder is removed and the previous index is left as it was.
    """
    fault = fault or (lambda step: None)
    check_writable(folder)
    with Writing(folder.parent) as at:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
        try:
            at(tmp / README).write_text(FORMAT_README, encoding="utf-8")  # first: it marks the folder as ours
            _write_jsonl(at(tmp / ARTICLES), [{**asdict(a), "sha256": text_hash(a.text)} for a in articles])
            _write_jsonl(at(tmp / CHUNKS), [asdict(c) for c in chunks])
            fault("chunks")
            np.save(at(tmp / VECTORS), vectors.astype(np.float32), allow_pickle=False)
            _write_jsonl(at(tmp / SENTENCES), [asdict(x) for x in sentences])
            np.save(at(tmp / SENTENCE_VECTORS), sentence_vectors.astype(np.float32), allow_pickle=False)
            dense.save(dense.build(vectors, index_type), at(tmp / DENSE))
            fault("dense")
            LexicalIndex.build([c.text for c in chunks]).save(at(tmp / BM25))
            manifest = {
                "schema_version": SCHEMA_VERSION,
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
                **fingerprint,
                "dense": {"type": index_type},
                "counts": {"articles": len(articles), "chunks": len(chunks), "sentences": len(sentences)},
                "articles": {a.source: {"sha256": text_hash(a.text)} for a in articles},
                "files": {name: file_hash(tmp / name) for name in FILES},
            }
            fault("manifest")
            at(tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
            fault("swap")
            swap(tmp, at(folder), fault)
        finally:
            remove_ours(tmp)


def _intact(folder: Path, manifest: dict[str, Any], names: tuple[str, ...]) -> bool:
    try:
        verify(folder, manifest, names)
    except IndexStateError:
        return False
    return True


def _reusable(folder: Path, embedder: Embedder, chunking: ChunkSettings) -> tuple[dict[str, Any] | None, str | None]:
    """The old manifest if its vectors can be reused, else None and the reason."""
    if not (folder / MANIFEST).exists():
        return None, "no index yet"
    try:
        manifest = read_manifest(folder)
        verify(folder, manifest, (ARTICLES, CHUNKS, VECTORS, SENTENCES, SENTENCE_VECTORS))
    except IndexStateError as exc:
        return None, str(exc).split(";")[0]
    reason = stale_reason(manifest, embedder, chunking)
    return (None, reason) if reason else (manifest, None)


def _held(folder: Path) -> list[str]:
    """The articles the index at `folder` holds, by its manifest, whether or not its vectors can be reused
    (none when it has no readable manifest: nothing is known to be lost then)."""
    try:
        return list(read_manifest(folder)["articles"])
    except IndexStateError:
        return []


def sync(
    corpus: list[Article],
    folder: Path,
    embedder: Embedder,
    chunking: ChunkSettings | None = None,
    index_type: str = "auto",
    rebuild: bool = False,
    progress: Progress | None = None,
    fault: Callable[[str], None] | None = None,
    corpus_dir: Path | None = None,
    replace: bool = False,
) -> SyncReport:
    """Bring the index at `folder` in step with `corpus`, embedding only new or changed articles.

    `corpus_dir`: the folder the articles came from; the index may not be it, inside it or around it.
    Raises UnsafeFolderError, before anything is written, if `folder` holds files that are not ours;
    IndexReplaceError, before anything is written, if it would remove most of the articles the index
    holds (`store.replacement`) and `replace` is not set (`rebuild` re-embeds: it is no consent);
    IndexWriteError when the index needs writing but cannot be (read-only folder, full disk). Where
    nothing can be written, an index that is up to date is only read: no lock, no file.
    """
    chunking = chunking or ChunkSettings()
    folder = folder.resolve()
    check_writable(folder, corpus_dir)
    if not corpus:
        raise CorpusError(NO_ARTICLES)
    if index_type not in dense.INDEX_TYPES:
        raise ValueError(f"unknown index type {index_type!r}; choose one of {', '.join(dense.INDEX_TYPES)}")
    report = SyncReport()
    writable = can_create(folder)
    with build_lock(folder) if writable else nullcontext():
        if writable:
            recover(folder, building=True)
            check_writable(folder, corpus_dir)  # again, now that no other build can be changing it
        replacement.check(_held(folder), [a.source for a in corpus], index=f"the index at {folder}",
                          another="--index", corpus_dir=corpus_dir, replace=replace)  # fmt: skip
        old, reason = (None, "rebuild requested") if rebuild else _reusable(folder, embedder, chunking)
        if old is None:
            report.rebuilt = reason
            if reason and reason != "no index yet" and writable:
                logger.warning("rebuilding the index at %s: %s", folder, reason)
        old_chunks: dict[str, list[tuple[Chunk, int]]] = {}
        old_sentences: dict[str, list[tuple[Sentence, int]]] = {}
        old_articles: dict[str, dict[str, Any]] = {}
        vectors_old: np.ndarray | None = None
        sentence_vectors_old: np.ndarray | None = None
        if old is not None:
            try:
                for row, chunk in enumerate(Chunk(**r) for r in read_jsonl(folder / CHUNKS)):
                    old_chunks.setdefault(chunk.source, []).append((chunk, row))
                for row, sentence in enumerate(Sentence(**r) for r in read_jsonl(folder / SENTENCES)):
                    old_sentences.setdefault(sentence.source, []).append((sentence, row))
                old_articles = {r["source"]: r for r in read_jsonl(folder / ARTICLES)}
                vectors_old = np.load(folder / VECTORS, mmap_mode="r", allow_pickle=False)
                sentence_vectors_old = np.load(folder / SENTENCE_VECTORS, mmap_mode="r", allow_pickle=False)
            except (OSError, ValueError, TypeError, KeyError) as exc:
                old, old_chunks, old_sentences, old_articles = None, {}, {}, {}
                report.rebuilt = f"previous index unreadable: {exc}"
                logger.warning("rebuilding the index at %s: %s", folder, report.rebuilt)

        plan = plan_sync(corpus, old_articles, old_chunks, old_sentences, embedder, chunking, report)
        chunks, chunk_rows, sentences, sentence_rows = plan.chunks, plan.chunk_rows, plan.sentences, plan.sentence_rows
        metadata_same = old is not None and plan.metadata_same
        damaged = [name for name in (DENSE, BM25) if old is not None and not _intact(folder, old, (name,))]
        if damaged:
            report.repaired = [str(folder / name) for name in damaged]
        if damaged and writable:
            logger.warning("damaged index files (checksum mismatch): %s; rebuilding them", ", ".join(report.repaired))
        unchanged = (
            old is not None
            and not (report.added or report.changed or report.removed)
            and metadata_same
            and old.get("dense", {}).get("type") == index_type
            and not damaged
        )
        if unchanged:
            return report
        if not writable:
            raise read_only(folder, report.needs())

        texts = {a.source: a.text for a in corpus}
        vectors, sentence_vectors = vectors_for(chunks, chunk_rows, sentences, sentence_rows, texts, embedder,
                                                (vectors_old, sentence_vectors_old), progress)  # fmt: skip
        report.embedded_chunks = sum(row is None for row in chunk_rows)
        report.embedded_sentences = sum(
            row is None and bool(sentence_vectors[i].any()) for i, row in enumerate(sentence_rows)
        )
        write_index(folder, corpus, chunks, vectors, sentences, sentence_vectors,
                    settings_fingerprint(embedder, chunking), index_type, fault)  # fmt: skip
        report.written = True
    return report
