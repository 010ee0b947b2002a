"""`GET /api/health`: whether the chat server can answer now, for a load balancer or a supervisor.

- 200 `{"status": "ok", "articles": N, "index": …}`: the index as `assistant chat` prints it (the
  folder, or the database without its password).
- 503 `{"status": "unavailable", "error": …}` with `Retry-After`: the store cannot answer (a database
  that is down; the breaker in `store.postgres` says so at once for `DOWN_S` after finding it down), or
  the index cannot be opened.

It runs no question: the index is already open, and a database gets one `SELECT 1`. With a login
required, a client that has not logged in is told the status only: the index's location names a folder
or a database host.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import AssistantError
from ..store.location import shown

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from ..core import Assistant

OK = "ok"
UNAVAILABLE = "unavailable"


def health_endpoint(bot: Assistant, logged_in: Callable[[Request], bool]) -> Callable[[Request], Any]:
    """The `GET /api/health` route's function; `logged_in` tells a client that may see the details."""
    from starlette.responses import JSONResponse

    async def api_health(request: Request) -> Response:
        import anyio.to_thread

        from ..store.postgres import DOWN_S

        told = logged_in(request)
        try:  # in a worker thread: a database may take its connect timeout to answer once
            articles = await anyio.to_thread.run_sync(bot.ping)
        except AssistantError as exc:
            body: dict[str, Any] = {"status": UNAVAILABLE} | ({"error": str(exc)} if told else {})
            return JSONResponse(body, status_code=503, headers={"Retry-After": str(round(DOWN_S))})
        body = {"status": OK}
        if told:
            body |= {"articles": articles, "index": shown(bot.settings.store, bot.settings.index_dir)}
        return JSONResponse(body)

    return api_health
