"""Imported SWE-Bench Pro tasks on the container backend: the fixture release's images are built
as a site that builds its own would, under an official-style image name; the oracle (the gold
patch) resolves every instance, nop none; a patch that breaks a PASS_TO_PASS test is unresolved
and the per-test verdict says which test; a sealed image (no gold commit) grades from the test
patch."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from agentindex.report import load_report
from agentindex.report.table import leaderboard
from agentindex.tasks.importers.swe_bench_pro_task import import_swe_bench_pro
from tests.integration.helpers import run, trial_rows
from tests.integration.sandbox.conftest import needs_podman
from tests.swe_bench_pro_fixture import FIXTURE_USER, build_images, write_release

pytestmark = [pytest.mark.integration, needs_podman]

BREAK_P2P = """
# the gold patch, and then a change that breaks a PASS_TO_PASS test
python3 - <<'PY'
from pathlib import Path
p = Path("/app/mathkit/stats.py")
p.write_text(p.read_text().replace("return sum(xs) / len(xs)", "return 0"))
PY
"""


@pytest.fixture(scope="module")
def imported(base_image: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("swe-bench-pro")
    src = root / "src"
    src.mkdir()
    build_images(src, write_release(src))
    result = import_swe_bench_pro(src, root / "tasks", user=FIXTURE_USER)
    assert len(result.written) == 3 and not result.failed
    return root / "tasks"


def _verifier(job_dir: Path, row: dict[str, object]) -> Path:
    return job_dir / "trials" / str(row["trial_id"]) / "verifier"


def test_oracle_resolves_nop_does_not(imported: Path, tmp_path: Path) -> None:
    summary = run(imported, ["oracle", "nop"], tmp_path / "jobs", backend="container",
                  concurrency=2)
    rows = trial_rows(summary.job_dir)
    assert len(rows) == 6
    for row in rows:
        assert row["error_class"] is None, (row["task_name"], row["error_message"])
        verdict = json.loads((_verifier(summary.job_dir, row) / "verdict.json").read_text())
        sealed = "unitconv" in str(row["task_name"])
        assert verdict["gold_tests"] == ("test.patch" if sealed else "checkout")
        if row["agent"] == "oracle":
            assert row["reward"] == 1.0 and verdict["resolved"] is True
            assert verdict["failed"] == []
            patch = summary.job_dir / "trials" / str(row["trial_id"]) / "model.patch"
            assert patch.read_text().startswith("diff --git a/")  # kept for the official tool
        else:
            assert row["reward"] == 0.0 and verdict["resolved"] is False
            # the F2P test fails before the fix; the P2P tests pass
            assert [t["status"] for t in verdict["fail_to_pass"]] == ["FAILED"]
            assert {t["status"] for t in verdict["pass_to_pass"]} == {"PASSED"}


def test_a_broken_pass_to_pass_test_is_unresolved(imported: Path, tmp_path: Path) -> None:
    task = next(imported.glob("instance_agentindex__mathkit-*"))
    broken = tmp_path / "tasks" / task.name
    shutil.copytree(task, broken)
    solve = broken / "solution" / "solve.sh"
    solve.write_text(solve.read_text() + BREAK_P2P)
    summary = run(broken, ["oracle"], tmp_path / "jobs", backend="container")
    (row,) = trial_rows(summary.job_dir)
    assert row["error_class"] is None and row["reward"] == 0.0
    verifier = _verifier(summary.job_dir, row)
    verdict = json.loads((verifier / "verdict.json").read_text())
    assert verdict["failed"] == ["tests/test_stats.py::test_mean"]
    assert verdict["fail_to_pass"] == [{"name": "tests/test_stats.py::test_median_even",
                                        "status": "PASSED"}]
    assert json.loads((verifier / "reward.json").read_text()) == {
        "fail_to_pass": 1.0, "pass_to_pass": 0.5, "reward": 0.0}


def test_a_subset_benchmark_is_labelled_in_the_report(imported: Path, tmp_path: Path) -> None:
    """A definition with a manifest runs exactly its instances; the report names it by label."""
    chosen = sorted(p.name for p in imported.iterdir())[:2]
    manifest = {"format": "agentindex.subset/1", "name": "pro-sub", "label": "Pro-Sub (our rule)",
                "rule": "the first two", "key": "k", "runs": [], "population": 3,
                "source": {"git": "https://example.invalid/x.git", "rev": "0" * 40},
                "instances": [{"id": i, "solved_by": 0, "results": 0, "tie_break": "0"}
                              for i in chosen]}
    (tmp_path / "sub.json").write_text(json.dumps(manifest))
    (tmp_path / "pro-sub@1.toml").write_text(
        f'name = "pro-sub"\nversion = "1"\nlabel = "Pro-Sub (our rule)"\nkind = "patch"\n'
        f'tasks = "{imported}"\nmanifest = "sub.json"\nseal_history = true\n')
    summary = run(tmp_path / "pro-sub@1.toml", ["oracle"], tmp_path / "jobs",
                  backend="container", concurrency=2)
    rows = trial_rows(summary.job_dir)
    assert sorted(str(r["task_name"]).rsplit("/", 1)[-1] for r in rows) == chosen
    assert all(r["reward"] == 1.0 for r in rows)
    report = load_report(summary.job_dir)
    assert report.benchmark_labels == {"pro-sub@1": "Pro-Sub (our rule)"}
    console = Console(width=300, record=True)
    console.print(leaderboard(report))
    assert "Pro-Sub (our rule) (pro-sub@1)" in console.export_text()
