"""Serving inside a network namespace: "the sandbox reaches its gateway and nothing else".

Recipe (no relay process, no firewall rules): a listening socket opened *inside* the trial's
namespace (:mod:`agentindex.sandbox.netns`) from a short-lived thread that ``setns()``-es there (a
socket keeps the namespace it was made in), handed to the gateway's event loop in the host
namespace as ``web.SockSite(runner, sock)``. The sandbox then runs in that namespace: inside,
``http://127.0.0.1:PORT`` is the gateway and every other address is unreachable; on the host,
nothing listens on that port.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import socket
import threading
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from agentindex.errors import SandboxError

CLONE_NEWNET = 0x40000000


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
