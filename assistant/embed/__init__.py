"""Embed: turn chunks, sentences and questions into vectors with the shipped MiniLM model (ONNX for questions)."""

from __future__ import annotations

from .embedding import DEFAULT_MODEL, Embedder, SentenceTransformerEmbedder, resolve_model_path
from .hashing import HashingEmbedder

__all__ = ["DEFAULT_MODEL", "Embedder", "HashingEmbedder", "SentenceTransformerEmbedder", "resolve_model_path"]
