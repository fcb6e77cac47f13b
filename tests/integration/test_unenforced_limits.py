"""A task's memory/cpu limits that the backend cannot enforce are refused, or, with
``allow_unenforced_limits``, run and recorded on the trial and counted by the report.

The bwrap backend's cgroup root is pointed at a read-only directory (immutable, so even root
cannot make a cgroup in it): its capabilities then say it cannot limit memory or cpus."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentindex.errors import PreflightError
from agentindex.report.render import write_report
from agentindex.report.table import leaderboard
from agentindex.runner.job import JobSpec, run_job
from agentindex.runner.plan import TrialOptions
from agentindex.runner.variants import expand_variants
from agentindex.sandbox.bwrap import BwrapBackend
from agentindex.tasks.catalog import resolve_datasets
from tests.conftest import TaskFactory
from tests.integration.helpers import trial_rows

pytestmark = pytest.mark.integration

LIMITED = 'schema_version = "1.1"\n[environment]\nmemory_mb = 300\ncpus = 1.5\n' \
          "[agent]\ntimeout_sec = 30.0\n[verifier]\ntimeout_sec = 30.0\n"


@pytest.fixture
def read_only_cgroups(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "cgroup"
    dirs = [root / c for c in ("memory", "pids", "cpu")]
    for d in dirs:
        d.mkdir(parents=True)
    subprocess.run(["chattr", "+i", *map(str, dirs), str(root)], check=True)
    try:
        yield root
    finally:
        subprocess.run(["chattr", "-i", *map(str, dirs), str(root)], check=True)


def _run(task: Path, jobs: Path, name: str, backend: BwrapBackend, allow: bool) -> Path:
    import asyncio

    spec = JobSpec(name=name, jobs_dir=jobs, selection=resolve_datasets([str(task)]),
                   variants=expand_variants(["oracle"], []), attempts=1, concurrency=1,
                   backend=backend, options=TrialOptions(allow_unenforced_limits=allow))
    return asyncio.run(run_job(spec)).job_dir


def test_unenforceable_limits_are_refused_or_recorded(make_task: TaskFactory, tmp_path: Path,
                                                      read_only_cgroups: Path) -> None:
    assert not os.access(read_only_cgroups / "memory", os.W_OK)  # really read-only, for root too
    backend = BwrapBackend(cgroup_root=read_only_cgroups)
    caps = backend.capabilities
    assert (caps.limits_memory, caps.limits_cpus) == (False, False)
    task = make_task("limited", toml=LIMITED)
    jobs = tmp_path / "jobs"

    with pytest.raises(PreflightError) as refused:  # before any trial: nothing is written
        _run(task, jobs, "refused", backend, allow=False)
    assert refused.value.problems == [
        f"task limited: {task / 'task.toml'}: [environment] memory_mb = 300, cpus = 1.5: the "
        f"bwrap backend cannot enforce this here (it makes a cgroup per trial under "
        f"{read_only_cgroups}, which this process cannot write); use a backend that can "
        "(-e container), or pass --allow-unenforced-limits to run it without them (each such "
        "trial is recorded as limits not enforced)"]
    assert not (jobs / "refused").exists()

    allowed_dir = _run(task, jobs, "allowed", backend, allow=True)
    [allowed] = trial_rows(allowed_dir)
    assert (allowed["error_class"], allowed["reward"]) == (None, 1.0)
    assert allowed["limits_not_enforced"] == ["memory_mb", "cpus"]
    report = write_report(allowed_dir)
    assert report.variants[0].limits_not_enforced == 1
    assert '"limits_not_enforced": 1' in (allowed_dir / "report.json").read_text()
    assert leaderboard(report).caption == \
        "limits not enforced (--allow-unenforced-limits): Oracle: 1 trial(s)"

    # Where cgroups can be written, the same task runs with its limits enforced.
    [enforced] = trial_rows(_run(task, jobs, "enforced", BwrapBackend(), allow=False))
    assert (enforced["reward"], enforced["limits_not_enforced"]) == (1.0, [])
