"""``oracle``: runs the task's reference solution. The only agent that ever sees /solution."""

from __future__ import annotations

from pathlib import Path

from agentindex.agents.base import AgentContext, AgentOutcome
from agentindex.errors import ConfigError


class OracleAgent:
    name = "oracle"
    label = "Oracle"  # how the report names it
    version: str | None = None
    uses_model = False

    async def install(self, cache: Path) -> None:
        return None

    async def run(self, ctx: AgentContext) -> AgentOutcome:
        solve = ctx.task.solution_dir / "solve.sh"
        if not solve.is_file():
            raise ConfigError(solve, None, "missing: the oracle agent runs solution/solve.sh")
        await ctx.sandbox.put(ctx.task.solution_dir, "/solution")
        env = dict(ctx.task.config.solution.env)
        result = await ctx.sandbox.exec(["bash", "/solution/solve.sh"], env=env,
                                        timeout=ctx.timeout_sec, stdout=ctx.logs / "stdout.txt",
                                        stderr=ctx.logs / "stderr.txt")
        return AgentOutcome(result)
