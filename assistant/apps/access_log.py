"""One log line per API request (`/api/…`), for a team serving the chat: never the question or the answer.

    INFO: POST /api/ask 200 84 ms refused=false citations=3
    INFO: GET /api/health 200 2 ms

Method, path, status and duration in milliseconds; for an answer, whether it was refused (the JSON's
`abstained`) and how many citations it has, which the endpoint notes with `note()`. A path the server
does not serve is written `/api/…`: the path is the client's text. Lines go to this module's logger
at INFO, which `assistant -v chat` shows on stderr; without `-v` the console stays quiet.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, MutableMapping
from typing import Any

from .guards import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

PREFIX = "/api/"
NOTE = "assistant.access_note"  # the request scope's key for what the endpoint adds to the line


def note(scope: MutableMapping[str, Any], *, refused: bool, citations: int) -> None:
    """What the line tells of an answer: whether it was refused and how many citations it has, nothing else."""
    scope[NOTE] = f"refused={'true' if refused else 'false'} citations={citations}"


class AccessLog:
    """ASGI middleware: one INFO line when a request under `/api/` has been answered; `routes` are the
    paths the server serves there, written as they are."""

    def __init__(self, app: ASGIApp, routes: Collection[str]) -> None:
        self.app = app
        self.routes = frozenset(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception:
            status = status or 500  # what the server's error handler answers
            raise
        finally:
            path = scope["path"] if scope["path"] in self.routes else PREFIX + "…"
            added = f" {scope[NOTE]}" if NOTE in scope else ""
            ms = (time.perf_counter() - began) * 1000
            logger.info("%s %s %s %.0f ms%s", scope.get("method", "?"), path, status or "-", ms, added)
