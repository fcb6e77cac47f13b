"""The real harness CLIs, run by the real runner (``run_job``: bwrap sandboxes with internet off,
the real gateway, the store) with ``scripted/*`` models: they solve demo tasks through their own
shell tools, are metered exactly, are stopped by their timeout, retry a flaky provider, and reach
nothing but the gateway. Each scenario is one job with every harness in it.

Self-report vs gateway (the rules, named; each is asserted below):

- ``same-calls``: the harness counts exactly the calls the gateway saw (claude-code, codex,
  gemini-cli, qwen-code, mini-swe-agent, builtin).
- ``title-side-call``: OpenCode makes one extra call to its small model to title the session
  (offering no tools), which the gateway records and OpenCode's ``step_finish`` events leave out.
- ``no-cache-write-field``: outside Anthropic's protocol, cache writes cannot be reported: the
  gateway records None, and Codex reports 0.
- ``reasoning-unreported``: over Anthropic's protocol reasoning is not reported: the gateway has
  None, and OpenCode reports 0.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from agentindex.agents import get_agent
from agentindex.agents.install import CACHE
from agentindex.gateway import scripted_usage
from agentindex.tasks.loader import load_task
from agentindex.usage import Usage
from tests.conftest import DEMO, TaskFactory
from tests.integration.agents.rig import (
    PROBED,
    Trial,
    call_usage,
    probed,
    read_trials,
    run_harnesses,
)

pytestmark = pytest.mark.integration

HARNESSES = ["claude-code", "codex", "gemini-cli", "opencode", "qwen-code", "mini-swe-agent",
             "builtin"]
TERMINAL = DEMO / "terminal" / "csv-to-json"
PATCH = DEMO / "patch" / "pager-last-page"
# Every demo terminal and patch task: their solutions hold what command filters refuse
# (backticks, $(...), <(...)), which scripted/oracle must deliver through every harness.
MATRIX = sorted([*(DEMO / "terminal").iterdir(), *(DEMO / "patch").iterdir()])
EXTRA_CALLS = {"opencode": 1}  # title-side-call
# Gemini CLI's loop detection may end the session itself (exit 0) before the timeout.
OWN_LOOP_LIMIT = {"gemini-cli"}
TRANSCRIPTS = {"claude-code": "home/.claude/projects", "codex": "home/.codex/sessions",
               "gemini-cli": "home/.gemini/tmp", "opencode": "home/.local/share/opencode",
               "qwen-code": "home/.qwen/projects", "mini-swe-agent": "trajectory.json",
               "builtin": "builtin.jsonl"}


def _gateway_usage_is_scripted(trial: Trial) -> None:
    """Every answered call carries the scripted usage exactly (what its protocol can say)."""
    calls = trial.calls
    assert calls and all(c["status"] == 200 for c in calls), (trial.harness, calls)
    for call in calls:
        assert call_usage(call) == scripted_usage(call["protocol"]), (trial.harness, call)
    expected = sum((scripted_usage(calls[0]["protocol"]) for _ in calls), Usage())
    assert sum((call_usage(c) for c in calls), Usage()) == expected, trial.harness


def _self_report_matches(trial: Trial) -> None:
    report = trial.self_report
    assert report is not None, f"{trial.harness} gave no self-report"
    side = [c for c in trial.calls if not c["tools_offered"]]
    assert len(side) == EXTRA_CALLS.get(trial.harness, 0), (trial.harness, side)
    main = [c for c in trial.calls if c["tools_offered"]]
    expected = sum((call_usage(c) for c in main), Usage())
    got = report.usage
    assert (got.input, got.cache_read, got.output) == (
        expected.input, expected.cache_read, expected.output), (trial.harness, got, expected)
    assert (got.cache_write or None) == (expected.cache_write or None)  # no-cache-write-field
    assert (got.reasoning or None) == (expected.reasoning or None)  # reasoning-unreported
    if report.turns is not None:
        assert report.turns == len(main), trial.harness


# 56 trials, 8 at a time: ~10 min on a busy 2-core machine (more at once only makes the harnesses'
# Node start-up compete for the cores, and a trial starved past its timeout fails).
@pytest.mark.timeout(2400)
def test_oracle_solves_every_demo_task_through_every_harness(
        register_agent: Callable[[str, type], None], tmp_path: Path) -> None:
    """7 harnesses x 8 demo terminal and patch tasks, each solved by scripted/oracle through the
    harness's own shell tool, with reward 1."""
    for harness in HARNESSES:  # each probes its own sandbox's network after its run
        register_agent(harness + PROBED, probed(harness))
    # x0.5: a hung harness is stopped at 300 s (the demo tasks say 600), the verifier at 30 s.
    job = run_harnesses(MATRIX, [h + PROBED for h in HARNESSES], "scripted/oracle",
                        tmp_path, timeout_multiplier=0.5, concurrency=8)
    trials = read_trials(job)
    names = [load_task(t).name for t in MATRIX]
    patches = {load_task(t).name for t in MATRIX if t.parent.name == "patch"}
    assert sorted((t.harness, t.row["task_name"]) for t in trials) == sorted(
        (h, task) for h in HARNESSES for task in names)
    failed = [(t.harness, t.row["task_name"], t.row["reward"], t.row["error_message"])
              for t in trials if t.row["reward"] != 1.0 or t.row["error_class"] is not None]
    assert not failed, failed
    for trial in trials:
        _check_trial(trial, patches)


def _check_trial(trial: Trial, patches: set[str]) -> None:
    row, where = trial.row, f"{trial.harness} on {trial.row['task_name']}: see {trial.dir}"
    assert (row["error_class"], row["tries"]) == (None, 1), (where, row["error_message"])
    assert (row["agent_exit_code"], row["agent_timed_out"]) == (0, False), where
    assert row["reward"] == 1.0, where
    _gateway_usage_is_scripted(trial)
    _self_report_matches(trial)
    # The sandbox's network: loopback only; the gateway is reachable, the internet and the
    # LAN are not.
    assert trial.probe[:2] == ["interfaces ['lo']", "reached gateway"], (where, trial.probe)
    assert len(trial.probe) == 5, (where, trial.probe)
    assert all(p.startswith("blocked") for p in trial.probe[2:]), (where, trial.probe)
    kept = trial.logs / TRANSCRIPTS[trial.harness]  # the harness's own transcript
    assert kept.is_file() or any(p.is_file() for p in kept.rglob("*")), kept
    assert row["install_s"] < 1.0, where  # installed once, by scripts/setup_agents.sh or before
    assert len((trial.dir / "calls.jsonl").read_text().splitlines()) == len(trial.calls)
    assert (trial.dir / "model.patch").is_file() == (row["task_name"] in patches)


def _harness_processes(tmp_path: Path) -> list[str]:
    """Harness processes still running in a sandbox of this test's job: their mount table
    names its scratch (another job's harnesses, or a verifier's uv, are not ours to count)."""
    ps = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True)
    marks = [f"/opt/agentindex/agents/{h}@" for h in HARNESSES] + ["builtin_loop.py"]
    ours = f"/{tmp_path.parent.name}/{tmp_path.name}/"  # e.g. /pytest-12/test_loop0/: one session's
    left = []
    for line in ps.stdout.splitlines():
        if not any(m in line for m in marks):
            continue
        try:
            mounts = Path(f"/proc/{line.split()[0]}/mountinfo").read_text()
        except OSError:  # ended meanwhile
            continue
        if ours in mounts:
            left.append(line)
    return left


def test_loop_is_stopped_by_the_timeout(make_task: TaskFactory, tmp_path: Path) -> None:
    # Seven CLIs start at once on two cores; mini-swe-agent alone spends ~5 s of CPU importing
    # litellm. 20 s left some harnesses no time for a single call on a fresh machine.
    timeout = 60.0
    task = make_task("loop", agent_timeout=timeout)
    trials = read_trials(run_harnesses([task], HARNESSES, "scripted/loop", tmp_path / "jobs"))
    assert sorted(t.harness for t in trials) == sorted(HARNESSES)
    for trial in trials:
        row = trial.row
        assert row["reward"] == 0.0, trial.harness
        if trial.harness in OWN_LOOP_LIMIT and row["error_class"] is None:
            assert row["agent_exit_code"] == 0 and row["agent_s"] < timeout + 25.0
        else:
            assert row["error_class"] == "agent_timeout", (trial.harness, row["error_message"])
            assert row["agent_timed_out"] is True and timeout <= row["agent_s"] < timeout + 25.0
        looped = trial.calls
        assert len(looped) >= 2, (trial.harness, looped)
        assert all(c["status"] == 200 for c in looped), (trial.harness, looped)
    assert _harness_processes(tmp_path) == []  # nothing outlived its trial


def test_flaky_provider_is_retried_and_every_failure_recorded(make_task: TaskFactory,
                                                              tmp_path: Path) -> None:
    task = make_task("flaky", agent_timeout=120.0)
    trials = read_trials(run_harnesses([task], HARNESSES, "scripted/flaky", tmp_path / "jobs"))
    assert sorted(t.harness for t in trials) == sorted(HARNESSES)
    for trial in trials:
        row, calls = trial.row, trial.calls
        assert row["error_class"] is None and row["reward"] == 1.0, (trial.harness, row)
        assert [c["status"] for c in calls[:2]] == [429, 529], (trial.harness, calls)
        assert all(c["status"] == 200 for c in calls[2:]) and len(calls) >= 4, trial.harness


async def test_installed_harness_is_found_in_the_cache() -> None:
    for name in HARNESSES[:-1]:
        agent = get_agent(name)
        t0 = asyncio.get_running_loop().time()
        await agent.install(CACHE)
        assert asyncio.get_running_loop().time() - t0 < 0.5
