"""`agentindex validate` over TB2-shaped fixtures (bwrap), its validity manifest, its resumption
(`--rerun-errors CLASS` runs that class's trials again), and `run --valid-only` leaving the
invalid tasks out with their reasons in the report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_task

pytestmark = pytest.mark.integration

CLI = [sys.executable, "-m", "agentindex.cli"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=600)


def test_validate_classifies_every_task_and_run_valid_only_leaves_the_rest_out(
        tmp_path: Path) -> None:
    tasks = tmp_path / "tasks"
    write_task(tasks, "good")
    write_task(tasks, "broken-solution", solve="true")
    write_task(tasks, "always-passes", test="#!/bin/bash\necho 1 > /logs/verifier/reward.txt\n")
    write_task(tasks, "needs-a-build",
               dockerfile="FROM localhost/debian:bookworm\nRUN make world\nWORKDIR /app\n")
    write_task(tasks, "no-reward", test="#!/bin/bash\ntrue\n")  # a verifier that broke
    jobs = tmp_path / "jobs"
    first = cli("validate", "-d", str(tasks), "-e", "bwrap", "-o", str(jobs), "--job", "v")
    assert first.returncode == 0, first.stderr
    manifest = json.loads((jobs / "v" / "validity.json").read_text())
    [bench] = manifest["benchmarks"]
    assert bench["benchmark"] == "tasks@local" and bench["backend"] == "bwrap"
    got = {name: (t["validity"], t["reason"]) for name, t in bench["tasks"].items()}
    assert got["good"] == ("valid", "oracle 1, nop 0")
    assert got["broken-solution"] == ("oracle_fails", "oracle scored 0.0")
    assert got["always-passes"] == ("nop_passes", "nop scored 1.0")
    assert got["needs-a-build"][0] == "environment_error"
    assert got["needs-a-build"][1].startswith("oracle: config: ")  # this backend cannot run it
    assert "RUN" in got["needs-a-build"][1]
    assert got["no-reward"][0] == "environment_error"
    assert got["no-reward"][1].startswith("oracle: verifier: ")
    good = bench["tasks"]["good"]
    assert good["oracle"]["reward"] == 1.0 and good["nop"]["reward"] == 0.0
    assert good["oracle"]["agent_s"] is not None and good["oracle"]["verify_s"] is not None
    assert bench["wall_s"] > 0 and bench["date"].startswith("20")

    trials = sorted(p.name for p in (jobs / "v" / "trials").iterdir())
    again = cli("validate", "-d", str(tasks), "-e", "bwrap", "-o", str(jobs), "--job", "v")
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in (jobs / "v" / "trials").iterdir()) == trials  # resumed: no rerun

    started = {p.name: json.loads((p / "result.json").read_text())["started_at"]
               for p in (jobs / "v" / "trials").iterdir()}
    rerun = cli("validate", "-d", str(tasks), "-e", "bwrap", "-o", str(jobs), "--job", "v",
                "--rerun-errors", "verifier")
    assert rerun.returncode == 0, rerun.stderr
    results = {p.name: json.loads((p / "result.json").read_text())
               for p in (jobs / "v" / "trials").iterdir()}
    again_ran = {r["task_name"] for name, r in results.items()
                 if r["started_at"] != started[name]}
    assert again_ran == {"no-reward", "needs-a-build"}  # verifier errors; config: always
    refused = cli("validate", "-d", str(tasks), "-e", "bwrap", "-o", str(jobs), "--job", "v",
                  "--rerun-errors", "oracle_fails")
    assert refused.returncode != 0 and "not an environment error class" in refused.stderr

    ran = cli("run", "-d", str(tasks), "-a", "oracle", "-o", str(jobs), "--job", "r",
              "--valid-only", str(jobs / "v" / "validity.json"))
    assert ran.returncode == 0, ran.stderr
    report = json.loads((jobs / "r" / "report.json").read_text())
    [variant] = report["variants"]
    assert variant["benchmarks"]["tasks@local"]["tasks"] == 1
    excluded = report["excluded_tasks"]["tasks@local"]
    assert excluded["broken-solution"] == "oracle_fails: oracle scored 0.0"
    assert excluded["always-passes"] == "nop_passes: nop scored 1.0"
    assert excluded["needs-a-build"].startswith("environment_error: oracle: config: ")
    assert excluded["no-reward"].startswith("environment_error: oracle: verifier: ")
    assert "good" not in excluded
