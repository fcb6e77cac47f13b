"""The real harness CLIs, run headless in bwrap sandboxes through the real gateway, with
``scripted/*`` models: they solve demo tasks through their own shell tools, are metered exactly,
are stopped by their timeout, retry a flaky provider, and reach nothing but the gateway.

Self-report vs gateway (the rules, named; each is asserted below):

- ``same-calls``: the harness counts exactly the calls the gateway saw (claude-code, codex,
  gemini-cli, qwen-code, mini-swe-agent, builtin).
- ``title-side-call``: OpenCode makes one extra call to its small model to title the session,
  which the gateway records and OpenCode's ``step_finish`` events leave out.
- ``no-cache-write-field``: outside Anthropic's protocol, cache writes cannot be reported: the
  gateway records None, and Codex reports 0.
- ``reasoning-unreported``: over Anthropic's protocol reasoning is not reported: the gateway has
  None, and OpenCode reports 0.
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

import pytest

from agentindex.agents.base import SelfReport
from agentindex.gateway import Gateway, scripted_usage
from agentindex.store import Store
from agentindex.usage import Usage
from tests.conftest import DEMO, TaskFactory
from tests.integration.agents.rig import CACHE, TrialRun, run_trial
from tests.integration.helpers import run, trial_rows

pytestmark = pytest.mark.integration

HARNESSES = ["claude-code", "codex", "gemini-cli", "opencode", "qwen-code", "mini-swe-agent",
             "builtin"]
TERMINAL = DEMO / "terminal" / "csv-to-json"
PATCH = DEMO / "patch" / "pager-last-page"
EXTRA_CALLS = {"opencode": 1}  # title-side-call
# Gemini CLI's loop detection may end the session itself (exit 0) before the timeout.
OWN_LOOP_LIMIT = {"gemini-cli"}
TRANSCRIPTS = {"claude-code": "home/.claude/projects", "codex": "home/.codex/sessions",
               "gemini-cli": "home/.gemini/tmp", "opencode": "home/.local/share/opencode",
               "qwen-code": "home/.qwen/projects", "mini-swe-agent": "trajectory.json",
               "builtin": "builtin.jsonl"}


def _gateway_usage_is_scripted(trial: TrialRun) -> None:
    """Every answered call carries the scripted usage exactly (what its protocol can say)."""
    assert trial.calls and all(c.status == 200 for c in trial.calls), trial.calls
    for call in trial.calls:
        assert call.usage == scripted_usage(call.protocol)
    protocol = trial.calls[0].protocol
    expected = sum((scripted_usage(protocol) for _ in trial.calls), Usage())
    assert trial.usage() == expected


def _self_report_matches(agent: str, trial: TrialRun) -> None:
    report = trial.self_report
    assert isinstance(report, SelfReport), f"{agent} gave no self-report"
    side = EXTRA_CALLS.get(agent, 0)
    main = trial.calls[side:] if side else trial.calls
    expected = sum((c.usage for c in main), Usage())
    got = report.usage
    assert got.input == expected.input and got.cache_read == expected.cache_read
    assert got.output == expected.output
    assert (got.cache_write or None) == (expected.cache_write or None)  # no-cache-write-field
    assert (got.reasoning or None) == (expected.reasoning or None)  # reasoning-unreported
    if report.turns is not None:
        assert report.turns == len(main)


@pytest.mark.parametrize("agent", HARNESSES)
async def test_oracle_solves_terminal_and_patch_tasks(agent: str, tmp_path: Path) -> None:
    async with Gateway() as gateway:
        for task in (TERMINAL, PATCH):
            trial = await run_trial(gateway, agent, task, "scripted/oracle",
                                    tmp_path / f"{agent}-{task.name}", timeout=180)
            assert (trial.exit_code, trial.timed_out) == (0, False), trial.logs
            assert trial.reward == 1.0, f"{agent} on {task.name}: see {trial.logs}"
            _gateway_usage_is_scripted(trial)
            _self_report_matches(agent, trial)
            # The sandbox's network: loopback only; the internet and the LAN are unreachable.
            assert trial.pings[0] == "interfaces ['lo']"
            assert all(p.startswith("blocked") for p in trial.pings[1:]), trial.pings
            kept = trial.logs / TRANSCRIPTS[agent]  # the harness's own transcript
            assert kept.is_file() or any(p.is_file() for p in kept.rglob("*")), kept
            assert trial.install_s < 1.0  # installed once, by scripts/setup_agents.sh or before


def _harness_processes() -> list[str]:
    ps = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True)
    return [line for line in ps.stdout.splitlines()
            if "/opt/agentindex/agents/" in line or "builtin_loop.py" in line]


def _calls(job_dir: Path) -> list[dict[str, Any]]:
    store = Store.in_job(job_dir)
    try:
        return store.rows("calls")
    finally:
        store.close()


def test_loop_is_stopped_by_the_timeout(make_task: TaskFactory, tmp_path: Path) -> None:
    make_task("loop", agent_timeout=20.0)
    summary = run(tmp_path / "tasks", HARNESSES, tmp_path / "jobs", models=["scripted/loop"],
                  concurrency=len(HARNESSES), internet=False)  # only the gateway
    rows = {r["agent"]: r for r in trial_rows(summary.job_dir)}
    calls = _calls(summary.job_dir)
    assert set(rows) == set(HARNESSES)
    for agent, row in rows.items():
        assert row["reward"] == 0.0
        if agent in OWN_LOOP_LIMIT and row["error_class"] is None:
            assert row["agent_exit_code"] == 0 and row["agent_s"] < 45.0
        else:
            assert row["error_class"] == "agent_timeout", (agent, row["error_message"])
            assert row["agent_timed_out"] is True and 20.0 <= row["agent_s"] < 45.0
        looped = [c for c in calls if c["trial_id"] == row["trial_id"]]
        assert len(looped) >= 2 and all(c["status"] == 200 for c in looped), (agent, looped)
    assert _harness_processes() == []  # nothing outlived its trial


def test_flaky_provider_is_retried_and_every_failure_recorded(make_task: TaskFactory,
                                                              tmp_path: Path) -> None:
    make_task("flaky", agent_timeout=120.0)
    summary = run(tmp_path / "tasks", HARNESSES, tmp_path / "jobs", models=["scripted/flaky"],
                  concurrency=len(HARNESSES), internet=False)  # only the gateway
    rows = {r["agent"]: r for r in trial_rows(summary.job_dir)}
    calls = _calls(summary.job_dir)
    for agent, row in rows.items():
        assert row["error_class"] is None and row["reward"] == 1.0, (agent, row)
        mine = sorted((c for c in calls if c["trial_id"] == row["trial_id"]),
                      key=lambda c: c["seq"])
        assert [c["status"] for c in mine[:2]] == [429, 529], (agent, mine)
        assert all(c["status"] == 200 for c in mine[2:]) and len(mine) >= 4


async def test_installed_harness_is_found_in_the_cache() -> None:
    from agentindex.agents import get_agent
    for name in HARNESSES[:-1]:
        agent = get_agent(name)
        t0 = asyncio.get_running_loop().time()
        await agent.install(CACHE)
        assert asyncio.get_running_loop().time() - t0 < 0.5
