"""Sandbox backends, registered in one place."""

from __future__ import annotations

from collections.abc import Callable

from agentindex.errors import ConfigError
from agentindex.sandbox.base import (
    Backend,
    Capabilities,
    ExecResult,
    Limits,
    Network,
    Sandbox,
    SandboxSpec,
)
from agentindex.sandbox.bwrap import BwrapBackend
from agentindex.sandbox.container import ContainerBackend

BACKENDS: dict[str, Callable[[], Backend]] = {
    "bwrap": BwrapBackend,
    "container": ContainerBackend,
}


def get_backend(name: str) -> Backend:
    if name not in BACKENDS:
        raise ConfigError("--env", None, f"unknown sandbox backend {name!r} "
                          f"(known: {', '.join(BACKENDS)})")
    return BACKENDS[name]()


__all__ = ["BACKENDS", "Backend", "Capabilities", "ExecResult", "Limits", "Network", "Sandbox",
           "SandboxSpec", "get_backend"]
