"""Schema 1.3 on the container backend: a separate verifier built from tests/Dockerfile that gets
only the collected artifacts, collect hooks, multi-key rewards, and network_mode per phase."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from tests.integration.helpers import run, trial_rows
from tests.integration.sandbox.conftest import needs_podman
from tests.integration.sandbox.hostile import ScriptAgent
from tests.integration.sandbox.separate_task import (
    BROKEN_GRADER,
    REWRITE_TESTS,
    probe_command,
    write_separate_task,
)

pytestmark = [pytest.mark.integration, needs_podman]


class RewriteTests(ScriptAgent):
    """Rewrites the tests and plants a reward in its own environment; fixes nothing."""

    name = "rewrite-tests"
    script = REWRITE_TESTS


@pytest.fixture
def listener() -> Iterator[int]:
    """A TCP port on the host's loopback that accepts connections."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def by_task_agent(job_dir: Path) -> dict[tuple[str, str], dict[str, object]]:
    return {(str(r["task_name"]).rsplit("/", 1)[-1], str(r["agent"])): r
            for r in trial_rows(job_dir)}


def test_oracle_nop_and_an_agent_that_rewrites_the_tests(
        base_image: str, tmp_path: Path, register_agent: Callable[[str, type], None]) -> None:
    register_agent("rewrite-tests", RewriteTests)
    tasks = tmp_path / "tasks"
    write_separate_task(tasks, "calc")
    write_separate_task(tasks, "calc-hook-fails", collect="echo cannot extract >&2; exit 3")
    write_separate_task(tasks, "calc-grader-breaks", grade=BROKEN_GRADER)
    summary = run(tasks, ["oracle", "nop", "rewrite-tests"], tmp_path / "jobs",
                  backend="container", concurrency=2)
    rows = by_task_agent(summary.job_dir)

    oracle = rows["calc", "oracle"]
    assert (oracle["error_class"], oracle["reward"]) == (None, 1.0), oracle["error_message"]
    assert oracle["rewards"] == {"reward": 1.0, "f2p": 1.0, "p2p": 1.0}  # kept whole
    trial = summary.job_dir / "trials" / str(oracle["trial_id"])
    patch = (trial / "artifacts" / "logs" / "artifacts" / "model.patch").read_text()
    assert "-    return a - b\n+    return a + b" in patch
    result = json.loads((trial / "result.json").read_text())
    assert result["rewards"] == {"reward": 1.0, "f2p": 1.0, "p2p": 1.0}
    assert json.loads((trial / "verifier" / "reward.json").read_text())["f2p"] == 1.0

    nop = rows["calc", "nop"]
    assert (nop["error_class"], nop["reward"]) == (None, 0.0), nop["error_message"]
    assert nop["rewards"] == {"reward": 0.0, "f2p": 0.0, "p2p": 1.0}

    cheat = rows["calc", "rewrite-tests"]
    assert (cheat["error_class"], cheat["reward"]) == (None, 0.0), cheat["error_message"]
    assert cheat["rewards"] == {"reward": 0.0, "f2p": 0.0, "p2p": 1.0}

    for agent in ("oracle", "nop", "rewrite-tests"):
        hook = rows["calc-hook-fails", agent]
        assert hook["error_class"] == "verifier" and hook["reward"] is None
        assert "verifier.collect[0]: exited with code 3: cannot extract" in \
            str(hook["error_message"])
        broken = rows["calc-grader-breaks", agent]
        assert broken["error_class"] == "verifier" and broken["reward"] is None
        assert "the grader reported its own failure (reward -1)" in str(broken["error_message"])


class Probe(ScriptAgent):
    name = "probe"
    script = ""


@pytest.mark.parametrize(("mode", "expected"), [("no-network", "blocked"),
                                                ("public", "reached")])
def test_network_mode_is_enforced_in_each_phase(
        base_image: str, tmp_path: Path, register_agent: Callable[[str, type], None],
        listener: int, mode: str, expected: str) -> None:
    class ThisProbe(Probe):
        script: ClassVar[str] = probe_command("127.0.0.1", listener, "/logs/agent/probe.txt")

    register_agent("probe", ThisProbe)
    write_separate_task(tmp_path / "tasks", "calc-net", network=mode,
                        probe=("127.0.0.1", listener))
    summary = run(tmp_path / "tasks", ["probe"], tmp_path / "jobs", backend="container")
    (row,) = trial_rows(summary.job_dir)
    assert row["error_class"] is None, row["error_message"]
    trial = summary.job_dir / "trials" / str(row["trial_id"])
    assert (trial / "agent" / "probe.txt").read_text().strip() == expected
    assert (trial / "verifier" / "probe.txt").read_text().strip() == expected
