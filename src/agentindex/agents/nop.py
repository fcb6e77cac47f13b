"""``nop``: does nothing. A task that nop passes is broken."""

from __future__ import annotations

from pathlib import Path

from agentindex.agents.base import AgentContext, AgentOutcome
from agentindex.sandbox.base import ExecResult


class NopAgent:
    name = "nop"
    label = "Nop"  # how the report names it
    version: str | None = None
    uses_model = False

    async def install(self, cache: Path) -> None:
        return None

    async def run(self, ctx: AgentContext) -> AgentOutcome:
        return AgentOutcome(ExecResult(exit_code=0, timed_out=False, duration_s=0.0))
