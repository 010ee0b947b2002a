"""The pipeline the benchmarks compare with: the LangChain RAG tutorial (its splitter settings, MiniLM
through HuggingFaceEmbeddings, FAISS), answering the same questions in a process of its own."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from .probes import latency_pcts, rss_mb, timed

PEER_CHUNK_SIZE, PEER_OVERLAP, PEER_K = 1000, 200, 4  # the LangChain RAG tutorial's settings


def embeddings() -> Any:
    """The tutorial's embeddings: all-MiniLM-L6-v2 through HuggingFaceEmbeddings (the same weights as ours)."""
    from langchain_huggingface import HuggingFaceEmbeddings

    from ..embed.embedding import resolve_model_path

    return HuggingFaceEmbeddings(model_name=str(resolve_model_path("all-MiniLM-L6-v2")))


def split(docs: list[Any]) -> list[Any]:
    """The tutorial's chunks: RecursiveCharacterTextSplitter(1000, 200)."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(chunk_size=PEER_CHUNK_SIZE, chunk_overlap=PEER_OVERLAP).split_documents(docs)


def child_peer(corpus: Path, questions: list[str]) -> dict[str, Any]:
    """The LangChain tutorial: split, embed with HuggingFaceEmbeddings, FAISS.from_documents, search k=4."""
    t0 = time.perf_counter()
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document

    model = embeddings()
    docs = [
        Document(page_content=p.read_text(encoding="utf-8", errors="replace"), metadata={"source": p.name})
        for p in sorted(corpus.iterdir())
        if p.suffix in (".txt", ".md", ".html")
    ]
    t_build = time.perf_counter()
    splits = split(docs)
    store = FAISS.from_documents(splits, model)
    build_s = time.perf_counter() - t_build
    store.similarity_search(questions[0], k=PEER_K)
    cold_s = time.perf_counter() - t0
    search = timed(lambda q: store.similarity_search(q, k=PEER_K), questions[1:])
    return {"cold_start_s": cold_s, "build_s": build_s, "chunks": len(splits), "retrieval": latency_pcts(search),
            "peak_rss_mb": rss_mb()}  # fmt: skip
