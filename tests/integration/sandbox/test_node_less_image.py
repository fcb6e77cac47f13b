"""Harness CLIs in a task image without node: Codex runs its own static binary (the npm
command is a node script), and a node-only CLI is an ``install`` error that says why, never the
agent's crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.helpers import run, trial_rows
from tests.integration.sandbox.conftest import needs_podman
from tests.integration.sandbox.leak_task import write_leak_task

pytestmark = [pytest.mark.integration, needs_podman]


def test_a_node_cli_in_an_image_without_node_is_an_install_error(base_image: str,
                                                                 tmp_path: Path) -> None:
    fix = "sed -i '2s/a - b/a + b/' calc.py && git -c user.name=a -c user.email=a@b commit -qam fix"
    task = write_leak_task(tmp_path / "tasks", "no-node", fix)
    summary = run(task, ["gemini-cli", "codex"], tmp_path / "jobs", models=["scripted/oracle"],
                  backend="container")
    rows = {r["agent"]: r for r in trial_rows(summary.job_dir)}
    gemini, codex = rows["gemini-cli"], rows["codex"]
    assert gemini["error_class"] == "install", gemini["error_message"]
    assert "gemini-cli is a node program and this task's image has no node" in \
        gemini["error_message"]
    assert codex["error_class"] is None and codex["reward"] == 1.0, codex["error_message"]
