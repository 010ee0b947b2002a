"""Chat servers in processes of their own on 127.0.0.1, as the load test and the bench start them."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click


def wait_until_up(url: str, server: subprocess.Popen[bytes], timeout_s: float = 300.0) -> None:
    """Block until the chat answers HTTP (the first start may build the index)."""
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise click.ClickException(f"the chat server exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise click.ClickException(f"the chat server did not come up at {url} within {timeout_s:.0f} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_servers(count: int, store: str | None = None, corpus: Path | None = None) -> list[tuple[str, Any]]:
    """`count` chat servers in processes of their own on 127.0.0.1 (sharing the index at `store`, when
    given), each up and answering; their URLs and processes."""
    started: list[tuple[str, Any]] = []
    try:
        for _ in range(count):
            port = free_port()
            cmd = [sys.executable, "-m", "assistant", "chat", "--host", "127.0.0.1", "--port", str(port)]
            cmd += ["--store", store] if store else []
            cmd += ["--corpus", str(corpus)] if corpus else []
            started.append((f"http://127.0.0.1:{port}/", subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                                                         stderr=subprocess.DEVNULL)))  # fmt: skip
        for where, process in started:
            wait_until_up(where, process)
    except BaseException:
        stop_servers(started)
        raise
    return started


def stop_servers(started: Sequence[tuple[str, Any]]) -> None:
    for _, process in started:
        process.terminate()
    for _, process in started:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
