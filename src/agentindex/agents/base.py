"""The Agent contract that every harness adapter implements."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from agentindex.agents.install import Installed
from agentindex.sandbox.base import ExecResult, Sandbox
from agentindex.tasks.model import Task
from agentindex.usage import Usage


@dataclass(frozen=True)
class AgentContext:
    """What one agent run gets. ``logs`` is the host directory kept as ``trials/<id>/agent/``."""

    task: Task
    sandbox: Sandbox
    timeout_sec: float
    logs: Path
    model: str | None = None
    base_url: str | None = None  # the trial's gateway prefix, for agents that use a model
    api_key: str | None = None  # the per-trial token, never a provider key
    settings: Mapping[str, Any] = field(default_factory=dict)  # e.g. reasoning_effort
    # The wire protocols the model's provider speaks (from the gateway's providers); empty: the
    # built-in providers' are looked up by the model's provider name.
    protocols: tuple[str, ...] = ()


@dataclass(frozen=True)
class SelfReport:
    """Usage as the harness itself reports it; kept beside the gateway's, never trusted alone."""

    usage: Usage
    cost_usd: float | None = None
    turns: int | None = None
    duration_s: float | None = None
    session_id: str | None = None
    final_message: str | None = None  # the agent's last text answer, when the harness says it


@dataclass(frozen=True)
class AgentOutcome:
    """The run's exit, and the harness's own report: ``self_report`` None with
    ``self_report_error`` set when what the harness wrote could not be parsed."""

    result: ExecResult
    self_report: SelfReport | None = None
    self_report_error: str | None = None


class Agent(Protocol):
    name: str
    label: str  # for reports: "Claude Code"
    version: str | None
    uses_model: bool

    async def install(self, cache: Path) -> Installed | None:
        """Install once per version into ``cache`` and return that install: the trial's sandbox
        mounts it (read-only, at its ``sandbox_path``) and no other. ``None``: nothing to
        install, nothing mounted."""
        ...

    async def run(self, ctx: AgentContext) -> AgentOutcome: ...
