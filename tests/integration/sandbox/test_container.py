"""The container backend on podman: the demo suite (Dockerfiles FROM the local base image with
``RUN apt-get``), image caching by context digest, and removal of what a killed runner left."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agentindex.sandbox.container import ContainerBackend, list_ours
from agentindex.sandbox.images import image_tag
from agentindex.tasks.loader import load_task
from tests.conftest import DEMO, REPO
from tests.integration.helpers import run, trial_rows
from tests.integration.sandbox.conftest import needs_podman
from tests.integration.sandbox.hostile import HANG, write_target
from tests.integration.test_timeouts import leftovers_matching

pytestmark = [pytest.mark.integration, needs_podman]


def test_demo_oracle_passes_and_nop_fails(base_image: str, tmp_path: Path) -> None:
    dockerfiles = [p.read_text() for p in DEMO.glob("*/*/environment/Dockerfile")]
    assert dockerfiles and all(d.startswith(f"FROM {base_image}\nRUN apt-get") for d in dockerfiles)
    summary = run("demo", ["oracle", "nop"], tmp_path / "jobs", concurrency=2, backend="container")
    rows = trial_rows(summary.job_dir)
    assert len(rows) == 2 * len(dockerfiles)
    for row in rows:
        assert row["error_class"] is None, (row["task_name"], row["error_message"])
        assert row["reward"] == (1.0 if row["agent"] == "oracle" else 0.0), row["task_name"]


def test_image_is_built_once_per_context(base_image: str, tmp_path: Path) -> None:
    task = load_task(write_target(tmp_path / "a", 30))
    same = load_task(write_target(tmp_path / "b", 30))
    assert image_tag(task) == image_tag(same)
    (same.environment_dir / "app" / "README").write_text("changed\n")
    assert image_tag(task) != image_tag(same)


RUNNER = """
import asyncio, sys
from pathlib import Path
from agentindex.agents import AGENTS
from tests.integration.helpers import run
from tests.integration.sandbox.hostile import agent_classes
AGENTS["hang"] = agent_classes("k", "127.0.0.1", 1)["hang"]
run(Path(sys.argv[1]), ["hang"], Path(sys.argv[2]), job="killed", backend="container")
"""


def containers_of(job: str) -> list[str]:
    out = subprocess.run(["podman", "ps", "-a", "--filter", f"label=agentindex.job={job}",
                          "--format", "{{.Names}}"], capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_sandbox_of_a_killed_runner_is_removed_at_next_start(base_image: str,
                                                             tmp_path: Path) -> None:
    write_target(tmp_path / "tasks", 300)
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, str(tmp_path / "tasks"),
                             str(tmp_path / "jobs")], cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        deadline = time.monotonic() + 120
        while not leftovers_matching(HANG.split("sleep ")[1].split()[0]) \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        assert containers_of("killed"), "the runner never started its sandbox"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    [name] = containers_of("killed")
    labels = json.loads(subprocess.run(
        ["podman", "inspect", "--format", "{{json .Config.Labels}}", name],
        capture_output=True, text=True, check=True).stdout)
    assert labels["agentindex.job"] == "killed" and labels["agentindex.trial"]
    # The next runner removes it before its first sandbox starts.
    backend = ContainerBackend()
    asyncio.run(backend.remove_stale_once())
    assert containers_of("killed") == []
    assert name not in asyncio.run(list_ours("podman"))
    time.sleep(0.5)
    assert leftovers_matching(HANG.split("sleep ")[1].split()[0]) == []


# The oracle starts a service and exits; the tests check it still answers (configure-git-webserver
# starts sshd and nginx this way). The service here: a loop writing a heartbeat file.
SERVICE = ("nohup sh -c 'while :; do date +%s%N > /tmp/beat; sleep 0.2; done' >/dev/null 2>&1 & "
           "sleep 0.5; echo done > /app/out.txt")
SERVICE_CHECK = """#!/bin/bash
a=$(cat /tmp/beat 2>/dev/null); sleep 1; b=$(cat /tmp/beat 2>/dev/null)
if [ -n "$a" ] && [ "$a" != "$b" ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
"""


def test_a_service_the_agent_started_still_runs_when_the_tests_do(base_image: str,
                                                                   tmp_path: Path) -> None:
    from tests.conftest import write_task

    write_task(tmp_path / "tasks", "service", solve=SERVICE, test=SERVICE_CHECK)
    summary = run(tmp_path / "tasks", ["oracle", "nop"], tmp_path / "jobs", backend="container")
    rows = {r["agent"]: r for r in trial_rows(summary.job_dir)}
    assert (rows["oracle"]["reward"], rows["oracle"]["error_class"]) == (1.0, None)
    assert rows["nop"]["reward"] == 0.0
