"""A re-run of a finished job leaves its files alone; a run adding a trial rewrites the report."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from agentindex.commands.run import run_command
from tests.conftest import write_task

pytestmark = pytest.mark.integration

KEPT = ("report.json", "report.html", "report.digest", "config.json")


def run(tasks: Path, jobs: Path) -> str:
    out = io.StringIO()
    run_command(None, {"datasets": [str(tasks)], "agents": ["nop"], "jobs_dir": jobs,
                       "job": "J"}, Console(file=out, width=200))
    return out.getvalue()


def stamps(job: Path) -> dict[str, int]:
    return {name: (job / name).stat().st_mtime_ns for name in KEPT}


def test_rerun_with_nothing_new_rewrites_nothing_and_a_new_trial_rewrites_the_report(
        tmp_path: Path) -> None:
    tasks, jobs = tmp_path / "tasks", tmp_path / "jobs"
    write_task(tasks, "one")
    assert "ran 1 trial(s), 0 already done" in run(tasks, jobs)
    job = jobs / "J"
    first = stamps(job)
    store = (job / "results.sqlite").read_bytes()

    out = run(tasks, jobs)
    assert "ran 0 trial(s), 1 already done" in out
    assert "Nop" in out  # the leaderboard is still printed, read back from report.json
    assert stamps(job) == first
    assert (job / "results.sqlite").read_bytes() == store  # no commit either

    write_task(tasks, "two", instruction="Another task: write done into /app/out.txt.\n")
    out = run(tasks, jobs)
    assert "ran 1 trial(s), 1 already done" in out, out
    after = stamps(job)
    for name in ("report.json", "report.html", "report.digest"):
        assert after[name] > first[name], name
    report = json.loads((job / "report.json").read_text())
    assert [v["trials"] for v in report["variants"]] == [2]
