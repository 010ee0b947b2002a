"""What the chat server lets through: the names it answers to, no uploads, and a brake on logins.

One ASGI middleware sits in front of everything the server answers (the chat and the JSON API):

- **Host.** A request whose `Host` names neither this machine nor an address is refused (400).
  A page on another site cannot reach a loopback server by pointing its own name at 127.0.0.1
  (DNS rebinding): the browser sends that site's name, and it is not ours.
- **Uploads.** The app takes no files, so Gradio's upload route answers 403 before a byte is read.
  Gradio routes it does not use (calls that skip the bounded queue, a URL proxy) answer 404.
- **Logins.** Each failed login from a client is answered after a growing delay; after
  `lock_after` failures within `window_s` the client is locked out for `lock_s` (429), even with
  the right password. State is kept in memory, per client address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import math
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UPLOAD_PATHS = ("/upload", "/gradio_api/upload")
# Gradio routes the app does not need: calls that skip the bounded queue, a URL proxy, run history.
# Also closed: the schemas of every route (FastAPI's and Gradio's OpenAPI documents, which list the login
# and upload routes too) and Gradio's monitoring page, none of which the chat or a program needs.
CLOSED_PATHS = (
    "/gradio_api/run/", "/gradio_api/api/", "/gradio_api/proxy=", "/gradio_api/run-history/", "/openapi.json",
    "/gradio_api/openapi.json", "/monitoring", "/gradio_api/monitoring",
)  # fmt: skip
CLOSED = "not served here: programs use POST /api/ask (JSON) or Gradio's queue (/gradio_api/call/ask)"
LOGIN_PATHS = ("/login", "/login/")
SHARE_SUFFIX = ".gradio.live"  # the public relay's names, allowed only with --share
MAX_CLIENTS = 10_000  # login records kept; the oldest go first


def is_address(host: str) -> bool:
    """True for an IP literal (an address cannot be rebound to another machine)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def machine_names(host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The names a Host header may carry: localhost, the address listened on, this machine's names."""
    names = {"localhost", host.lower(), *(n.lower() for n in extra if n)}
    if not is_address(host) or not ipaddress.ip_address(host.strip("[]")).is_loopback:
        names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
    return frozenset(names)


def host_of(scope: Scope) -> str | None:
    """The Host header's name, without the port; None when there is no Host header."""
    for key, value in scope.get("headers", []):
        if key == b"host":
            host = value.decode("latin-1").strip().lower()
            if host.startswith("["):  # [::1]:7860
                return host[: host.find("]") + 1] if "]" in host else host
            return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return None


@dataclass
class LoginThrottle:
    """Failed logins per client: a doubling delay after `free` failures, a lock-out after `lock_after`."""

    free: int = 3
    delay_s: float = 1.0
    max_delay_s: float = 8.0
    lock_after: int = 10
    lock_s: float = 300.0
    window_s: float = 900.0
    _failures: dict[str, deque[float]] = field(default_factory=dict, repr=False)
    _locked: dict[str, float] = field(default_factory=dict, repr=False)
    _pending: dict[str, int] = field(default_factory=dict, repr=False)

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.get(client, deque())
        while times and now - times[0] > self.window_s:
            times.popleft()
        return times

    def locked_for(self, client: str, now: float | None = None) -> float:
        """Seconds this client must still wait before it may try again (0 when it may)."""
        now = time.monotonic() if now is None else now
        left = self._locked.get(client, 0.0) - now
        if left > 0:
            return left
        self._locked.pop(client, None)
        if len(self._recent(client, now)) + self._pending.get(client, 0) >= self.lock_after:
            return self.lock_s  # attempts still in flight would reach the limit
        return 0.0

    def begin(self, client: str) -> None:
        self._pending[client] = self._pending.get(client, 0) + 1

    def end(self, client: str, ok: bool, now: float | None = None) -> float:
        """Record the outcome; the delay to hold a failed answer back (0 after a success)."""
        now = time.monotonic() if now is None else now
        self._pending[client] = self._pending.get(client, 1) - 1
        if self._pending[client] <= 0:
            del self._pending[client]
        if ok:
            self._failures.pop(client, None)
            return 0.0
        times = self._recent(client, now)
        times.append(now)
        self._failures[client] = times
        if len(self._failures) > MAX_CLIENTS:
            self._failures.pop(next(iter(self._failures)))
        if len(times) >= self.lock_after:
            self._locked[client] = now + self.lock_s
            if len(self._locked) > MAX_CLIENTS:
                self._locked.pop(next(iter(self._locked)))
        over = len(times) - self.free
        return 0.0 if over <= 0 else min(self.max_delay_s, self.delay_s * 2 ** (over - 1))


async def reply(send: Send, status: int, message: str, headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
    """A one-line JSON answer: {"detail": message}."""
    body = json.dumps({"detail": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                        *headers],
        }
    )  # fmt: skip
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware: Host check, no uploads, login throttling (see the module's docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        names: frozenset[str],
        share: bool = False,
        throttle: LoginThrottle | None = None,
    ) -> None:
        self.app = app
        self.names = names
        self.share = share
        self.throttle = throttle or LoginThrottle()

    def host_allowed(self, host: str | None) -> bool:
        if not host:
            return False
        if host in self.names or is_address(host):
            return True
        return self.share and host.endswith(SHARE_SUFFIX)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = host_of(scope)
        if not self.host_allowed(host):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await reply(send, 400, f"this server does not answer to the name {host or '(none)'!r}")
            return
        path = scope.get("path", "")
        if path in UPLOAD_PATHS or path.startswith(tuple(p + "/" for p in UPLOAD_PATHS)):
            await reply(send, 403, "this server takes no uploads")
            return
        if path.startswith(CLOSED_PATHS):
            await reply(send, 404, CLOSED)
            return
        if scope["type"] == "http" and scope.get("method") == "POST" and path in LOGIN_PATHS:
            await self._login(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.throttle.locked_for(client)
        if wait > 0:
            seconds = math.ceil(wait)
            await reply(send, 429, f"too many failed logins; try again in {seconds} s",
                        [(b"retry-after", str(seconds).encode())])  # fmt: skip
            return
        held: list[Message] = []
        status = 0

        async def hold(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            held.append(message)

        self.throttle.begin(client)
        try:
            await self.app(scope, receive, hold)
        finally:
            delay = self.throttle.end(client, ok=200 <= status < 400)
        if delay:
            await asyncio.sleep(delay)
        for message in held:
            await send(message)
