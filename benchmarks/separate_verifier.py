"""What a separate verifier (task schema 1.3) costs per trial beside grading in the agent's own
environment, on the container backend.

The same small patch task twice (a git repository, a collect hook that extracts the agent's commit
as a patch, a reward.json with several keys): once with ``environment_mode = "separate"`` (collect
hook, artifacts copied out, a second container from the verifier image built from
tests/Dockerfile), once ``"shared"`` (tests copied into the agent's container). The oracle runs
N trials of each, sequentially; images are built by a warm-up trial first and not counted. Per
trial: wall time (start to commit) and the grading phase's seconds.

    .venv/bin/python benchmarks/separate_verifier.py [--trials 10]

Last line: ``separate_ratio=X`` (mean trial wall time, separate / shared).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from agentindex.runner.job import JobSpec, run_job
from agentindex.runner.variants import expand_variants
from agentindex.sandbox import get_backend
from agentindex.store import Store
from agentindex.tasks.catalog import resolve_datasets


def fixture_writer() -> Callable[..., Path]:
    """The tests' schema-1.3 task (one shape for tests and measurements)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    module = importlib.import_module("tests.integration.sandbox.separate_task")
    writer: Callable[..., Path] = module.write_separate_task
    return writer


def shared_variant(task: Path) -> None:
    """The same task graded in the agent's environment: tests copied in, no collect hook."""
    toml = (task / "task.toml").read_text()
    toml = toml.replace('environment_mode = "separate"', 'environment_mode = "shared"')
    toml = toml.split("[[verifier.collect]]")[0] + "[agent]" + toml.split("[agent]")[1]
    (task / "task.toml").write_text(toml)
    (task / "tests" / "Dockerfile").unlink()


def trials(tasks: Path, jobs: Path, job: str, n: int) -> tuple[list[float], list[float]]:
    spec = JobSpec(name=job, jobs_dir=jobs, selection=resolve_datasets([str(tasks)]),
                   variants=expand_variants(["oracle"], []), attempts=n, concurrency=1,
                   backend=get_backend("container"))
    asyncio.run(run_job(spec))
    store = Store.in_job(spec.job_dir)
    try:
        rows = store.rows("trials")
    finally:
        store.close()
    bad = [r for r in rows if r["reward"] != 1.0]
    assert not bad, [(r["error_class"], r["error_message"]) for r in bad]
    return ([r["finished_at"] - r["started_at"] for r in rows],
            [r["verify_s"] for r in rows])


def report(label: str, walls: list[float], grading: list[float]) -> float:
    mean = statistics.fmean(walls)
    print(f"{label:<10} trial mean {mean:6.2f} s  median {statistics.median(walls):6.2f} s  "
          f"grading mean {statistics.fmean(grading):6.2f} s  (n={len(walls)})")
    return mean


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--trials", type=int, default=10)
    n = p.parse_args().trials
    with tempfile.TemporaryDirectory(prefix="agentindex-bench-") as tmp:
        root = Path(tmp)
        write_separate_task = fixture_writer()
        separate = write_separate_task(root / "separate", "calc")
        shared = write_separate_task(root / "shared", "calc-shared")
        shared_variant(shared)
        for name, tasks in (("separate", separate), ("shared", shared)):
            trials(tasks, root / "jobs", f"warm-{name}", 1)  # builds the images
        sep = report("separate", *trials(separate, root / "jobs", "separate", n))
        sha = report("shared", *trials(shared, root / "jobs", "shared", n))
    print(f"separate_ratio={sep / sha:.2f}")


if __name__ == "__main__":
    main()
