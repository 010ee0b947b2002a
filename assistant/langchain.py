"""A LangChain retriever over the assistant's hybrid search."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever


class AssistantRetriever(BaseRetriever):
    """Documents carry the passage's fields as metadata (source, title, offsets, chunk id, the fused score
    and its dense and lexical parts), and its chunk id as the Document's id."""

    assistant: Any
    k: int = 4
    sources: list[str] | None = None

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        k: int | None = None,
        sources: list[str] | None = None,
    ) -> list[Document]:
        hits = self.assistant.search(query, k=self.k if k is None else k, sources=sources or self.sources)
        return [
            Document(
                id=str(p.chunk_id),
                page_content=p.text,
                metadata={
                    "source": p.source,
                    "title": p.title,
                    "start": p.start,
                    "end": p.end,
                    "score": p.score,
                    "chunk_id": p.chunk_id,
                    "dense_score": p.dense_score,
                    "lexical_score": p.lexical_score,
                },
            )
            for p in hits
        ]
