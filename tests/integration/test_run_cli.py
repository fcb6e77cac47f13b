"""`agentindex run` and `report` through the real command line, on the bundled demo suite."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

CLI = [sys.executable, "-m", "agentindex.cli"]


def agentindex(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, check=check,
                          timeout=600)


def test_demo_run_twice_runs_nothing_the_second_time(tmp_path: Path) -> None:
    first = agentindex("run", "-d", "demo", "-a", "oracle", "-a", "nop", "-o", str(tmp_path),
                       "--job", "J")
    total = int(first.stdout.split(" trials:")[0].split()[-1])
    assert f"{total} trials: 0 already done, {total} to run" in first.stdout
    assert total >= 24  # 3 benchmarks x >= 4 tasks x 2 variants
    second = agentindex("run", "-d", "demo", "-a", "oracle", "-a", "nop", "-o", str(tmp_path),
                        "--job", "J")
    assert f"{total} trials: {total} already done, 0 to run" in second.stdout
    assert "ran 0 trial(s)" in second.stdout

    report = json.loads((tmp_path / "J" / "report.json").read_text())
    assert report["index_definition"] == "demo@1"
    assert report["benchmarks"] == ["demo-terminal@1", "demo-patch@1", "demo-qna@1"]
    by_agent = {v["agent"]: v for v in report["variants"]}
    assert by_agent["oracle"]["index"] == 100.0 and by_agent["nop"]["index"] == 0.0
    for ref in report["benchmarks"]:
        assert by_agent["oracle"]["benchmarks"][ref]["score"] == 1.0
        assert by_agent["nop"]["benchmarks"][ref]["score"] == 0.0
        assert by_agent["oracle"]["benchmarks"][ref]["errored"] == 0
    assert by_agent["oracle"]["trials"] == total // 2
    # Every task scores the same, so the bootstrap interval is a point.
    assert by_agent["oracle"]["index_ci95"] == [100.0, 100.0]
    # Not measured for agents without a model: null, never invented.
    for key in ("cost_per_task_usd", "tokens_per_task", "cache_hit_rate",
                "turns_per_task", "loop_rate", "usage_source"):
        assert by_agent["oracle"][key] is None

    # `report --format json` is the same document; the table shows the same figures.
    again = json.loads(agentindex("report", str(tmp_path / "J"), "--format", "json").stdout)
    assert {**again, "generated_at": None} == {**report, "generated_at": None}
    table = agentindex("report", str(tmp_path / "J")).stdout
    oracle_line = next(line for line in table.splitlines() if "Oracle" in line)
    assert "100.0" in oracle_line and oracle_line.count("1.000") == 3

    # Artifacts: every trial has its directory with result.json; patch trials have model.patch.
    trials = list((tmp_path / "J" / "trials").iterdir())
    assert len(trials) == total
    assert all((t / "result.json").is_file() for t in trials)
    patches = [json.loads((t / "result.json").read_text()) for t in trials
               if (t / "model.patch").exists()]
    assert {p["benchmark"] for p in patches} == {"demo-patch@1"}
    oracle_patch = next(t / "model.patch" for t in trials if (t / "model.patch").exists()
                        and json.loads((t / "result.json").read_text())["variant"]["agent"]
                        == "oracle")
    assert oracle_patch.read_text().startswith("diff --git")


def test_user_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    cases = [
        (["run", "-d", "nope", "-a", "oracle", "-o", str(tmp_path)], "not an index, a benchmark"),
        (["run", "-d", "demo", "-a", "claude-kode", "-o", str(tmp_path)], "unknown agent"),
        (["run", "-d", "demo", "-a", "oracle", "-e", "vm", "-o", str(tmp_path)],
         "unknown sandbox backend 'vm'"),
        (["report", str(tmp_path)], "not a job directory"),
    ]
    for args, message in cases:
        result = agentindex(*args, check=False)
        assert result.returncode == 2, args
        assert message in result.stderr
        assert "Traceback" not in result.stderr + result.stdout


def test_job_yaml_with_a_bad_field_names_it(tmp_path: Path) -> None:
    (tmp_path / "job.yaml").write_text("datasets: [demo]\nagents: [oracle]\nconcurency: 4\n")
    result = agentindex("run", str(tmp_path / "job.yaml"), check=False)
    assert result.returncode == 2
    assert f"{tmp_path / 'job.yaml'}: concurency: Extra inputs are not permitted" in result.stderr
