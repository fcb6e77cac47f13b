"""Sandbox backends by name, from the ``agentindex.backends`` entry points: ours
(``pyproject.toml``) and any installed plug-in package's (see :mod:`agentindex.plugins`)."""

from __future__ import annotations

from collections.abc import Callable

from agentindex.errors import ConfigError
from agentindex.plugins import registry
from agentindex.sandbox.base import (
    Backend,
    Capabilities,
    ExecResult,
    Limits,
    Network,
    Sandbox,
    SandboxSpec,
)

BACKENDS: dict[str, Callable[[], Backend]] = registry("agentindex.backends")


def get_backend(name: str) -> Backend:
    if name not in BACKENDS:
        raise ConfigError("--env", None, f"unknown sandbox backend {name!r} "
                          f"(known: {', '.join(BACKENDS)})")
    return BACKENDS[name]()


__all__ = ["BACKENDS", "Backend", "Capabilities", "ExecResult", "Limits", "Network", "Sandbox",
           "SandboxSpec", "get_backend"]
