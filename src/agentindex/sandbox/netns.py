"""Network namespaces: made per trial with only loopback up, deleted when the trial ends (and,
once per process, those of runners that are gone).

Serving inside one is :mod:`agentindex.sandbox.netserve`; whether a task may reach the internet
at all is :mod:`agentindex.sandbox.internet`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import subprocess
from pathlib import Path
from types import TracebackType
from typing import Self

from agentindex.errors import SandboxError
from agentindex.sandbox.cleanup import PREFIX, resource_name, stale

NETNS_DIR = Path("/run/netns")


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

def delete_netns(name: str) -> None:
    with contextlib.suppress(SandboxError):
        _ip("netns", "delete", name)


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
