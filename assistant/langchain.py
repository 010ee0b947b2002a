"""A LangChain retriever over the assistant's hybrid search."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever


class AssistantRetriever(BaseRetriever):
    """Documents carry the passage's source, title, offsets, chunk id and score as metadata."""

    assistant: Any
    k: int = 4

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [
            Document(
                page_content=p.text,
                metadata={
                    "source": p.source,
                    "title": p.title,
                    "start": p.start,
                    "end": p.end,
                    "score": p.score,
                    "chunk_id": p.chunk_id,
                },
            )
            for p in self.assistant.search(query, k=self.k)
        ]
