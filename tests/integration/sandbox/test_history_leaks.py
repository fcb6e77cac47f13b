"""The answer-leak guard on a task whose image keeps its fix in git history: ``tasks audit``
names it, ``--seal-history`` removes it, and an agent that reads it is flagged."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from agentindex.report import load_report
from agentindex.sandbox.images import ImageCache
from agentindex.tasks.loader import load_task
from tests.conftest import REPO
from tests.integration.helpers import run, trial_rows
from tests.integration.sandbox.conftest import needs_podman
from tests.integration.sandbox.hostile import ScriptAgent
from tests.integration.sandbox.leak_task import write_leak_task

pytestmark = [pytest.mark.integration, needs_podman]


class LogAll(ScriptAgent):
    """Looks for commits beyond HEAD, as an agent hunting for the fix would."""

    name = "log-all"
    script = "cd /app && git log --all --format='%H %s' > /logs/agent/all.txt"


def audit(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agentindex.cli", "tasks", "audit",
                           *map(str, paths)], capture_output=True, text=True, timeout=900,
                          cwd=REPO, env={"COLUMNS": "400", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})


def future_sha(task: Path) -> str:
    # the image `tasks audit` built: resolved as every trial resolves it (already there)
    image = asyncio.run(ImageCache("podman").image_for(load_task(task), task / "build.log"))
    out = subprocess.run(["podman", "run", "--rm", "--network", "none",
                          image, "git", "-C", "/app", "rev-parse", "future"],
                         capture_output=True, text=True, check=True, timeout=120)
    return out.stdout.strip()


def test_audit_names_the_future_commit_and_fails(base_image: str, tmp_path: Path) -> None:
    task = write_leak_task(tmp_path / "tasks")
    result = audit(task)
    assert result.returncode == 1, result.stdout + result.stderr
    sha = future_sha(task)
    lines = result.stdout.splitlines()
    assert f"{task}: ref refs/heads/future -> {sha} the fix" in lines
    assert f"{task}: commit {sha} the fix" in lines
    assert f"{task}: reflog HEAD -> {sha} the fix" in lines
    assert lines[-1] == f"{len(lines) - 1} finding(s)"


def test_seal_history_leaves_no_future_commit(
        base_image: str, tmp_path: Path, register_agent: Callable[[str, type], None]) -> None:
    register_agent("log-all", LogAll)
    task = write_leak_task(tmp_path / "tasks")
    found = {}
    for seal in (False, True):
        summary = run(task, ["log-all"], tmp_path / "jobs", job=f"seal-{seal}",
                      backend="container", seal_history=seal)
        (row,) = trial_rows(summary.job_dir)
        assert row["error_class"] is None, row["error_message"]
        found[seal] = (summary.job_dir / "trials" / row["trial_id"] / "agent" /
                       "all.txt").read_text()
    assert "the fix" in found[False]  # the control: without the seal the fix is there
    assert "the fix" not in found[True] and found[True].strip().endswith(" base")
    assert len(found[True].splitlines()) == 1


#: builtin keeps its own command log; Claude Code and Codex do not: their commands come from the
#: conversation the gateway captured (one source for every harness).
LEAK_HARNESSES = ("builtin", "claude-code", "codex")


def test_an_agent_that_shows_the_future_commit_is_flagged(base_image: str,
                                                           tmp_path: Path) -> None:
    sha = future_sha(write_leak_task(tmp_path / "probe"))  # builds the image the tasks share
    commit = "git -c user.name=a -c user.email=a@b commit -qam fix"
    tasks = tmp_path / "tasks"
    write_leak_task(tasks, "leaky-show", f"git show {sha}:calc.py > calc.py && {commit}")
    write_leak_task(tasks, "leaky-log", f"git log --oneline HEAD\n"
                                        f"sed -i '2s/a - b/a + b/' calc.py && {commit}")
    summary = run(tasks, list(LEAK_HARNESSES), tmp_path / "jobs", models=["scripted/oracle"],
                  backend="container")
    rows = {(r["agent"], str(r["task_name"]).rsplit("/", 1)[-1]): r
            for r in trial_rows(summary.job_dir)}
    assert len(rows) == 2 * len(LEAK_HARNESSES)
    for agent in LEAK_HARNESSES:
        shown, logged = rows[agent, "leaky-show"], rows[agent, "leaky-log"]
        assert shown["reward"] == 1.0 and logged["reward"] == 1.0, (agent, shown, logged)
        (leak,) = shown["suspected_leaks"]
        assert f"git show {sha}:calc.py > calc.py" in leak["command"], agent
        assert leak["why"] == f"git show {sha}: a commit that is not in the base's history"
        assert logged["suspected_leaks"] == [], agent
        result = json.loads((summary.job_dir / "trials" / shown["trial_id"] / "result.json")
                            .read_text())
        assert result["suspected_leaks"] == shown["suspected_leaks"]
    variants = {v.agent: v for v in load_report(summary.job_dir).variants}
    for agent in LEAK_HARNESSES:
        assert variants[agent].suspected_leak_rate == 0.5, agent
        assert variants[agent].suspected_leak_trials == [rows[agent, "leaky-show"]["trial_id"]]
