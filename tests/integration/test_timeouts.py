"""A hanging agent is killed at its timeout with its whole process tree; the verifier still runs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from agentindex.agents.base import AgentContext, AgentOutcome
from tests.conftest import TaskFactory
from tests.integration.helpers import run, trial_rows

pytestmark = pytest.mark.integration

MARK = "4242.17"  # an unusual sleep argument to find leftovers by


class HangAgent:
    """Solves the task, then hangs with children, a detached grandchild and a new session."""

    name, version, uses_model = "hang", None, False

    async def install(self, cache: Path) -> None:
        return None

    async def run(self, ctx: AgentContext) -> AgentOutcome:
        script = (f"echo done > /app/out.txt; sleep {MARK} & (sleep {MARK} &) ; "
                  f"setsid sleep {MARK} & nohup sleep {MARK} >/dev/null 2>&1 & sleep {MARK}")
        result = await ctx.sandbox.exec(["bash", "-c", script], env={}, timeout=ctx.timeout_sec,
                                        stdout=ctx.logs / "stdout.txt",
                                        stderr=ctx.logs / "stderr.txt")
        return AgentOutcome(result)


def leftovers_matching(text: str) -> list[str]:
    """Processes whose command line contains ``text`` (ps itself excluded)."""
    ps = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True)
    return [line for line in ps.stdout.splitlines()[1:] if text in line and " ps -eo" not in line]


def leftovers() -> list[str]:
    return leftovers_matching(f"sleep {MARK}")


def test_hung_agent_is_killed_and_verified(make_task: TaskFactory, register_agent,  # type: ignore[no-untyped-def]
                                           tmp_path: Path) -> None:
    register_agent("hang", HangAgent)
    make_task("slow", agent_timeout=1.0)
    summary = run(tmp_path / "tasks", ["hang"], tmp_path / "jobs")
    [row] = trial_rows(summary.job_dir)
    assert row["error_class"] == "agent_timeout"
    assert row["agent_timed_out"] is True and row["agent_exit_code"] is None
    assert "killed at its timeout of 1 s" in row["error_message"]
    assert 1.0 <= row["agent_s"] < 10
    assert row["reward"] == 1.0  # solved before hanging: the verifier ran and counted it
    assert row["score_as"] == "reward"
    assert leftovers() == []


def test_timeout_multiplier_applies(make_task: TaskFactory, register_agent,  # type: ignore[no-untyped-def]
                                    tmp_path: Path) -> None:
    register_agent("hang", HangAgent)
    make_task("slow", agent_timeout=1.0)
    summary = run(tmp_path / "tasks", ["hang"], tmp_path / "jobs", timeout_multiplier=0.5)
    [row] = trial_rows(summary.job_dir)
    assert "killed at its timeout of 0.5 s" in row["error_message"]
    assert leftovers() == []
