"""Hostile agents, run through the real runner on every backend, in one job per backend.

The job holds one task (internet off, 1 cpu, 512 MiB) and six agents: a snoop looking for /tests,
/solution and the provider key; a network prober; a fork bomb; a memory hog; a hung agent; and the
oracle, which must still earn its reward while the others misbehave.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agentindex.agents import AGENTS
from tests.integration.helpers import run, trial_rows
from tests.integration.sandbox.conftest import needs_podman
from tests.integration.sandbox.hostile import HANG_MARK, agent_classes, write_target
from tests.integration.test_timeouts import leftovers_matching

pytestmark = pytest.mark.integration

# Every agent's timeout. The snoop walks the whole filesystem while the fork bomb and the memory
# hog (same job, 3 at a time) spin the same 2 cores: at 6 s it was killed at its timeout on a
# loaded machine (load ~30). The hang and the fork bomb run this long, in parallel.
AGENT_TIMEOUT = 15.0
BACKENDS = ["bwrap", pytest.param("container", marks=needs_podman)]


@dataclass
class JobResult:
    backend: str
    rows: dict[str, dict[str, Any]]  # by agent name
    trials: Path
    seconds: float

    def artifact(self, agent: str, rel: str) -> str:
        path = self.trials / self.rows[agent]["trial_id"] / "agent" / rel
        return path.read_text() if path.is_file() else ""


def host_ip() -> str:
    """This host's address on its default route (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("1.1.1.1", 80))
            return str(s.getsockname()[0])
        except OSError:
            return socket.gethostbyname(socket.gethostname())


@pytest.fixture(scope="module")
def listener() -> Iterator[int]:
    """A TCP server on every host address: what a sandbox with internet off must not reach."""
    server = socket.create_server(("0.0.0.0", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                conn.close()
            except OSError:
                continue

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield server.getsockname()[1]
    stop.set()
    t.join()
    server.close()


@pytest.fixture(scope="module", params=BACKENDS)
def job(request: pytest.FixtureRequest, listener: int,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[JobResult]:
    backend: str = request.param
    if backend == "container":
        request.getfixturevalue("base_image")
    key = "sk-test-" + secrets.token_hex(16)
    agents = agent_classes(key, host_ip(), listener)
    old_key = os.environ.get("ANTHROPIC_API_KEY")
    os.environ["ANTHROPIC_API_KEY"] = key  # in the runner's environment, never in a sandbox
    AGENTS.update(agents)
    try:
        root = tmp_path_factory.mktemp(f"hostile-{backend}")
        write_target(root / "tasks", AGENT_TIMEOUT)
        t0 = time.monotonic()
        summary = run(root / "tasks", [*agents, "oracle"], root / "jobs", concurrency=3,
                      backend=backend, models=["scripted/oracle"])
        rows = {r["agent"]: r for r in trial_rows(summary.job_dir)}
        yield JobResult(backend, rows, summary.job_dir / "trials", time.monotonic() - t0)
    finally:
        for name in agents:
            AGENTS.pop(name, None)
        if old_key is None:
            os.environ.pop("ANTHROPIC_API_KEY", None)
        else:
            os.environ["ANTHROPIC_API_KEY"] = old_key


def test_snoop_finds_no_tests_solution_or_key(job: JobResult) -> None:
    row = job.rows["snoop"]
    assert row["error_class"] is None, row["error_message"]
    assert job.artifact("snoop", "done.txt").strip() == "checked"
    assert job.artifact("snoop", "findings.txt") == ""
    # Its own PID namespace: the runner and the gateway are not even listed in /proc.
    assert int(job.artifact("snoop", "visible_pids.txt")) < 20
    assert row["reward"] == 0.0


def test_internet_off_reaches_only_the_gateway(job: JobResult) -> None:
    row = job.rows["net"]
    assert row["error_class"] is None, row["error_message"]
    report = job.artifact("net", "net.txt")
    gateway, *others = report.strip().splitlines()
    assert gateway == "gateway reached", report  # its route, served inside its namespace
    assert len(others) == 5, report
    assert all(" failed: " in line for line in others), report


def test_fork_bomb_is_contained(job: JobResult) -> None:
    row = job.rows["fork-bomb"]
    assert job.artifact("fork-bomb", "done.txt").strip() == "started"
    assert row["error_class"] == "agent_timeout", row["error_message"]
    assert row["agent_s"] < AGENT_TIMEOUT + 15
    assert row["reward"] == 0.0  # the verifier still ran afterwards


def test_memory_hog_is_killed_by_the_limit(job: JobResult) -> None:
    row = job.rows["memory-hog"]
    assert job.artifact("memory-hog", "done.txt").strip() == "started"
    assert row["error_class"] == "agent_crash", row["error_message"]
    assert row["agent_exit_code"] not in (0, None)
    assert row["agent_s"] < AGENT_TIMEOUT  # killed for its memory, not at its timeout
    # The engine's monitor (conmon) drops an `oom` file in its working directory: not ours.
    assert not (Path.cwd() / "oom").exists()


def test_hung_agent_is_killed_at_its_timeout(job: JobResult) -> None:
    row = job.rows["hang"]
    assert row["error_class"] == "agent_timeout"
    assert row["agent_timed_out"] is True
    assert AGENT_TIMEOUT <= row["agent_s"] < AGENT_TIMEOUT + 10
    assert leftovers_matching(f"sleep {HANG_MARK}") == []


def test_other_trials_finish_normally(job: JobResult) -> None:
    row = job.rows["oracle"]
    assert row["error_class"] is None, row["error_message"]
    assert row["reward"] == 1.0
    assert len(job.rows) == 6
