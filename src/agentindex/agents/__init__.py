"""Agents by name (``NAME`` or ``NAME@VERSION``), from the ``agentindex.agents`` entry points:
ours (``pyproject.toml``) and any installed plug-in package's (see :mod:`agentindex.plugins`)."""

from __future__ import annotations

from collections.abc import Callable

from agentindex.agents.base import Agent, AgentContext, AgentOutcome, SelfReport
from agentindex.errors import ConfigError
from agentindex.plugins import registry

AGENTS: dict[str, Callable[[], Agent]] = registry("agentindex.agents")


def get_agent(spec: str) -> Agent:
    name, _, version = spec.partition("@")
    if name not in AGENTS:
        raise ConfigError("--agent", None, f"unknown agent {name!r} (known: {', '.join(AGENTS)})")
    agent = AGENTS[name]()
    if version:
        if not agent.uses_model and agent.version is None:
            raise ConfigError("--agent", None, f"agent {name!r} has no versions")
        agent.version = version
    return agent


__all__ = ["AGENTS", "Agent", "AgentContext", "AgentOutcome", "SelfReport", "get_agent"]
