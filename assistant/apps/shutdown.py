"""Stopping the chat server without dropping what it is answering.

SIGTERM or Ctrl-C: the server stops taking connections, lets the requests in flight finish (those
waiting their turn too), up to `DRAIN_S`, then `serve_until_stopped` returns and the process exits 0.

Gradio runs uvicorn in a daemon thread and installs no signal handler; its `block_thread` catches
only Ctrl-C, then joins that thread for 5 s: SIGTERM ended the process at once, and Ctrl-C cut off
whatever took longer. Here the main thread waits for the signal, then asks uvicorn for its own graceful
shutdown (`should_exit`: it closes the listening socket and idle connections, and each busy one once its
reply is sent) while `InFlight` counts the requests not yet answered. A chat tab's heartbeat stream
never ends by itself (and ending it cancels that tab's answers), so it is not counted: once the rest
are answered, Gradio's stop event ends it and uvicorn's shutdown completes (`force_exit` only if not).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

from .guards import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    import gradio as gr

logger = logging.getLogger(__name__)

DRAIN_S = 10.0  # what a request in flight may still take once the server is told to stop
HEARTBEAT = "/gradio_api/heartbeat/"  # a chat tab's keep-alive stream: open as long as the tab is
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# How often the main thread looks whether the server was closed by other means (Gradio's own wait: 0.1 s).
# Not Thread.join: an exception a signal raises out of a join marks the thread stopped while it runs (3.11).
IDLE_CHECK_S = 1.0
CLOSE_S = 2.0  # for the server's thread to end once told to stop waiting


class InFlight:
    """How many requests, and answers the chat's queue computes, are in flight (heartbeat streams aside),
    and a wait until there are none; the server's event loop, to end the heartbeat streams on."""

    def __init__(self) -> None:
        self.count = 0
        self._changed = threading.Condition()
        self.loop: asyncio.AbstractEventLoop | None = None

    def begin(self) -> None:
        with self._changed:
            self.count += 1

    def end(self) -> None:
        with self._changed:
            self.count -= 1
            self._changed.notify_all()

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Counted while an answer is computed: one Gradio's queue started after its client left is in
        no request, and exiting while its model runs aborts the process."""
        self.begin()
        try:
            yield
        finally:
            self.end()

    def wait_idle(self, timeout: float) -> int:
        """Block until no request is in flight, or for `timeout` seconds; how many are left."""
        with self._changed:
            self._changed.wait_for(lambda: self.count == 0, timeout)
            return self.count


class Counted:
    """ASGI middleware: every HTTP request but a heartbeat stream counts in `requests` until answered."""

    def __init__(self, app: ASGIApp, requests: InFlight) -> None:
        self.app = app
        self.requests = requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":  # the server starting: the loop it runs on
            self.requests.loop = asyncio.get_running_loop()
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(HEARTBEAT):
            await self.app(scope, receive, send)
            return
        self.requests.begin()
        try:
            await self.app(scope, receive, send)
        finally:
            self.requests.end()


def _drain(requests: InFlight, deadline: float, hurried: list[int]) -> int:
    """Wait until nothing is in flight, the deadline or a second signal; how many are left."""
    left = requests.count
    while left and not hurried and (remaining := deadline - time.monotonic()) > 0:
        left = requests.wait_idle(min(remaining, 0.1))
    return left


class _Stop(Exception):
    """Raised in the main thread by the first stop signal's handler, out of the wait for it."""


def serve_until_stopped(demo: gr.Blocks, requests: InFlight, drain_s: float = DRAIN_S) -> None:
    """Block until SIGTERM or SIGINT (or until the server stops), then drain as the module's docstring
    says. A second signal stops waiting for the requests in flight."""
    server = demo.server
    if threading.current_thread() is not threading.main_thread() or server is None:
        demo.block_thread()  # only the main thread receives signals: Gradio's own wait
        return
    # A signal ignored when the process started (SIGINT for `cmd &` in a script) stays ignored.
    watched = [s for s in STOP_SIGNALS if signal.getsignal(s) != signal.SIG_IGN]
    previous = {s: signal.getsignal(s) for s in watched}
    hurried: list[int] = []

    def hurry(signum: int, frame: Any) -> None:
        hurried.append(signum)

    def stop(signum: int, frame: Any) -> None:
        for s in watched:
            signal.signal(s, hurry)
        raise _Stop

    for s in watched:
        signal.signal(s, stop)
    try:
        try:
            while demo.is_running:  # as Gradio's own wait; the signal interrupts the sleep
                time.sleep(IDLE_CHECK_S)
            return
        except _Stop:
            server.should_exit = True  # uvicorn: no new connections; busy ones close once answered
        deadline = time.monotonic() + drain_s
        left = _drain(requests, deadline, hurried)
        if requests.loop is not None:  # Gradio ends the chat tabs' heartbeat streams, on the server's loop
            with suppress(RuntimeError):  # the loop is closed already: the server has stopped
                requests.loop.call_soon_threadsafe(demo.app.stop_event.set)
        demo.close(verbose=False)  # Gradio's queue starts nothing more; the server's thread is given 5 s
        left = _drain(requests, max(deadline, time.monotonic() + CLOSE_S), hurried)  # one it started meanwhile
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if server.thread.is_alive():
        server.force_exit = True  # stop waiting for connections (and skip the app's own shutdown)
        server.thread.join(CLOSE_S)
    if left:
        logger.warning("stopped with %d request%s still unanswered", left, "s" * (left != 1))
