"""What the Ray executor adds per trial over the local executor.

Runs the same N ``nop`` trials on N trivial tasks with the local executor and with the Ray
executor on a one-node Ray cluster started here (``ray start --head``, 2 CPUs, small object
store), both in-process (the driver's interpreter start-up and Ray connection are not per-trial
costs), after a warm-up job that starts the Ray worker processes. Then the trials/s of each
executor with 1 and 2 trials in flight (on Ray: 1 and 2 busy worker processes).

    .venv/bin/python benchmarks/ray_overhead.py [--trials 100]

Last line: ``local_ms_per_trial=X ray_ms_per_trial=Y ratio=Z`` (one trial in flight).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tests.integration.ray.cluster import Cluster

from agentindex.runner.executors import Executor, LocalExecutor, RayExecutor
from agentindex.runner.job import JobSpec, run_job
from agentindex.runner.variants import expand_variants
from agentindex.sandbox import get_backend
from agentindex.tasks.catalog import resolve_datasets
from trial_overhead import make_tasks


def timed_job(tasks: Path, jobs: Path, name: str, executor: Executor, n: int) -> float:
    spec = JobSpec(name=name, jobs_dir=jobs, selection=resolve_datasets([str(tasks)]),
                   variants=expand_variants(["nop"], []), attempts=1, concurrency=n,
                   backend=get_backend("bwrap"), executor=executor)
    start = time.perf_counter()
    summary = asyncio.run(run_job(spec))
    wall = time.perf_counter() - start
    assert summary.ran == summary.total, summary
    return wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=100)
    n = parser.parse_args().trials
    root = Path(tempfile.mkdtemp(prefix="agentindex-raybench-", dir="/tmp"))
    make_tasks(root / "tasks", n)
    make_tasks(root / "warm", 4)
    local = {c: timed_job(root / "tasks", root / "jobs", f"local-{c}", LocalExecutor(), c)
             for c in (1, 2)}
    cluster = Cluster(root / "ray")
    try:
        cluster.start(head=True, cpus=2, resources={"sandbox_bwrap": 1})
        import ray

        ray.init(address=cluster.address, log_to_driver=False, configure_logging=False)
        executor = RayExecutor(cluster.address)
        timed_job(root / "warm", root / "jobs", "warm", executor, 2)  # starts the workers
        on_ray = {c: timed_job(root / "tasks", root / "jobs", f"ray-{c}", executor, c)
                  for c in (1, 2)}
        ray.shutdown()
    finally:
        cluster.stop()
    for c in (1, 2):
        print(f"{c} in flight: local {n / local[c]:.1f} trials/s ({local[c] / n * 1000:.1f} ms "
              f"per trial), ray {n / on_ray[c]:.1f} trials/s ({on_ray[c] / n * 1000:.1f} ms "
              f"per trial)")
    local_ms, ray_ms = local[1] / n * 1000, on_ray[1] / n * 1000
    print(f"ray overhead per trial (1 in flight): {ray_ms - local_ms:.1f} ms")
    print(f"local_ms_per_trial={local_ms:.1f} ray_ms_per_trial={ray_ms:.1f} "
          f"ratio={ray_ms / local_ms:.2f}")


if __name__ == "__main__":
    main()
