"""A separate verifier (schema 1.3) on bwrap: run where tests/Dockerfile only adds files to
/tests of the task's own environment, refused by name otherwise."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from agentindex.errors import UnsupportedBySandbox
from agentindex.sandbox import Network, get_backend
from agentindex.tasks.loader import load_task
from tests.conftest import write_task
from tests.integration.helpers import run, trial_rows
from tests.integration.sandbox.hostile import ScriptAgent
from tests.integration.sandbox.separate_task import (
    IMAGE,
    PLAIN_DOCKERFILE,
    REWRITE_TESTS,
    VERIFIER_DOCKERFILE,
    write_separate_task,
)

pytestmark = pytest.mark.integration


class RewriteTests(ScriptAgent):
    name = "rewrite-tests"
    script = REWRITE_TESTS


def test_bwrap_grades_in_a_fresh_environment(
        tmp_path: Path, register_agent: Callable[[str, type], None]) -> None:
    register_agent("rewrite-tests", RewriteTests)
    write_separate_task(tmp_path / "tasks", "calc", dockerfile=PLAIN_DOCKERFILE)
    summary = run(tmp_path / "tasks", ["oracle", "nop", "rewrite-tests"], tmp_path / "jobs")
    rows = {r["agent"]: r for r in trial_rows(summary.job_dir)}
    for agent, reward in (("oracle", 1.0), ("nop", 0.0), ("rewrite-tests", 0.0)):
        assert (rows[agent]["error_class"], rows[agent]["reward"]) == (None, reward), \
            (agent, rows[agent]["error_message"])
    assert rows["oracle"]["rewards"] == {"reward": 1.0, "f2p": 1.0, "p2p": 1.0}
    assert rows["rewrite-tests"]["rewards"] == {"reward": 0.0, "f2p": 0.0, "p2p": 1.0}


@pytest.mark.parametrize(("verifier_dockerfile", "problem"), [
    (VERIFIER_DOCKERFILE + "RUN chmod +x /tests/test.sh\n",
     ":4: RUN is not supported by bwrap (it honours WORKDIR, COPY, ADD, ENV); this task needs "
     "the container backend (-e container)"),
    (VERIFIER_DOCKERFILE.replace(IMAGE, "localhost/other:1"),
     f": FROM localhost/other:1: bwrap runs a separate verifier only in the task's own "
     f"environment (FROM {IMAGE} or localhost/debian:bookworm); use the container backend "
     "(-e container)"),
    (VERIFIER_DOCKERFILE + "COPY test.sh /usr/local/bin/grade\n",
     ":4: COPY to /usr/local/bin/grade: bwrap adds a verifier's files only under /tests; use "
     "the container backend (-e container)"),
])
def test_bwrap_refuses_what_it_cannot_honour(tmp_path: Path, verifier_dockerfile: str,
                                             problem: str) -> None:
    task = load_task(write_separate_task(tmp_path / "tasks", "calc", dockerfile=PLAIN_DOCKERFILE,
                                         verifier_dockerfile=verifier_dockerfile))
    with pytest.raises(UnsupportedBySandbox) as e:
        get_backend("bwrap").check(task, Network.NONE)
    assert str(e.value) == f"{task.verifier_dockerfile}{problem}"


def test_a_shared_verifier_without_network_after_an_agent_with_it_is_refused(
        tmp_path: Path) -> None:
    toml = ('schema_version = "1.3"\n[verifier]\nnetwork_mode = "no-network"\ntimeout_sec = 30.0\n'
            '[agent]\nnetwork_mode = "public"\ntimeout_sec = 30.0\n')
    task = write_task(tmp_path / "tasks", "mixed", toml=toml)
    summary = run(task, ["oracle"], tmp_path / "jobs")
    (row,) = trial_rows(summary.job_dir)
    # the task asks for what one environment cannot do: a config problem, not retried
    assert row["error_class"] == "config" and row["reward"] is None
    assert row["error_message"] == (
        f"{task / 'task.toml'}: verifier.network_mode: the verifier must have no network but "
        "shares the agent's environment, which has it; a shared environment cannot change its "
        'network between phases (use environment_mode = "separate")')
