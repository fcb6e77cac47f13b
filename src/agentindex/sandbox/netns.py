"""Network namespaces: "the sandbox reaches its gateway and nothing else".

Recipe (no relay process, no firewall rules): a namespace per trial with only loopback up; a
listening socket opened *inside* it from a short-lived thread that ``setns()``-es there (a socket
keeps the namespace it was made in), handed to the gateway's event loop in the host namespace,
e.g. ``web.SockSite(runner, sock)``. The sandbox then runs in that namespace: inside,
``http://127.0.0.1:PORT`` is the gateway and every other address is unreachable; on the host,
nothing listens on that port. The namespace is deleted when the trial ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import os
import socket
import subprocess
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from types import TracebackType
from typing import Self

from aiohttp import web

from agentindex.errors import SandboxError
from agentindex.sandbox.cleanup import PREFIX, resource_name, stale
from agentindex.tasks.model import Task

NETNS_DIR = Path("/run/netns")
CLONE_NEWNET = 0x40000000
# ``network_mode`` values (newer task schemas) that mean "no internet".
NO_INTERNET_MODES = frozenset({"none", "no-internet", "offline", "isolated"})


def internet_allowed(task: Task) -> bool | None:
    """The task's ``allow_internet``, else its ``network_mode``; None when it says neither."""
    env = task.config.environment
    if env.allow_internet is not None:
        return env.allow_internet
    if env.network_mode is not None:
        return env.network_mode.lower() not in NO_INTERNET_MODES
    return None


def netns_supported() -> bool:
    """Network namespaces can be made (needs root and the ``ip`` tool)."""
    return os.geteuid() == 0 and subprocess.run(
        ["ip", "netns", "list"], capture_output=True).returncode == 0


def _ip(*args: str) -> None:
    proc = subprocess.run(["ip", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SandboxError(f"ip {' '.join(args)} failed: {proc.stderr.strip()}")


class NetNamespace:
    """``async with NetNamespace() as ns``: a fresh namespace with loopback up at ``ns.path``."""

    def __init__(self) -> None:
        self.name = resource_name()
        self.path = NETNS_DIR / self.name

    async def __aenter__(self) -> Self:
        await asyncio.to_thread(self.create)
        return self

    async def __aexit__(self, et: type[BaseException] | None, e: BaseException | None,
                        tb: TracebackType | None) -> None:
        await asyncio.to_thread(delete_netns, self.name)

    def create(self) -> None:
        _remove_stale_once()
        _ip("netns", "add", self.name)
        try:
            _ip("-n", self.name, "link", "set", "lo", "up")
        except BaseException:
            delete_netns(self.name)
            raise

    def listen(self, host: str = "127.0.0.1", port: int = 0) -> socket.socket:
        return listen_in(self.path, host, port)


def delete_netns(name: str) -> None:
    with contextlib.suppress(SandboxError):
        _ip("netns", "delete", name)


def listen_in(netns: Path, host: str = "127.0.0.1", port: int = 0,
              backlog: int = 128) -> socket.socket:
    """A listening TCP socket that lives in ``netns``, usable from any thread of this process.

    A thread of its own does the ``setns``: it changes only the calling thread's namespace, and a
    thread pool would hand the changed thread to unrelated work later.
    """
    result: list[socket.socket | BaseException] = []

    def work() -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            with open(netns, "rb") as f:
                if libc.setns(f.fileno(), CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"setns({netns}): {os.strerror(err)}")
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            sock.listen(backlog)
            sock.setblocking(False)
            result.append(sock)
        except BaseException as e:
            result.append(e)

    t = threading.Thread(target=work, name="agentindex-setns", daemon=True)
    t.start()
    t.join()
    if isinstance(result[0], BaseException):
        raise SandboxError(f"cannot listen in network namespace {netns}: {result[0]}")
    return result[0]


@contextlib.asynccontextmanager
async def serve_in(netns: Path, runner: web.BaseRunner, host: str = "127.0.0.1",
                   port: int = 0) -> AsyncIterator[int]:
    """Serve an aiohttp ``runner`` (already set up) inside ``netns``; yields the port.

    This is how a gateway in the host namespace becomes the one address a trial can reach.
    """
    sock = listen_in(netns, host, port)
    site = web.SockSite(runner, sock)
    await site.start()
    try:
        yield sock.getsockname()[1]
    finally:
        await site.stop()
        sock.close()


@functools.cache
def _remove_stale_once() -> int:
    return remove_stale_netns()


def remove_stale_netns() -> int:
    """Delete the namespaces of runners that are gone; returns how many were deleted."""
    if not NETNS_DIR.is_dir():
        return 0
    dead = [p.name for p in NETNS_DIR.iterdir() if p.name.startswith(PREFIX) and stale(p.name)]
    for name in dead:
        delete_netns(name)
    return len(dead)
