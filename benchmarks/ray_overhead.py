"""What the Ray executor adds per trial over the local executor.

Runs the same N ``nop`` trials on N trivial tasks with the local executor and with the Ray
executor on a one-node Ray cluster started here (``ray start --head``, 2 CPUs, small object
store), both in-process (the driver's interpreter start-up and Ray connection are not per-trial
costs), after a warm-up job that starts the Ray worker processes; rounds interleave the two
executors, with 1 and 2 trials in flight (on Ray: 1 and 2 busy worker processes), each round
printed with the machine's noise; the figures are medians over rounds.

    .venv/bin/python benchmarks/ray_overhead.py [--trials 100] [--rounds 3]

Last line: ``local_ms_per_trial=X ray_ms_per_trial=Y ratio=Z`` (one trial in flight).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
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
from noise import Noise
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
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    n = args.trials
    root = Path(tempfile.mkdtemp(prefix="agentindex-raybench-", dir="/tmp"))
    make_tasks(root / "tasks", n)
    make_tasks(root / "warm", 4)
    cluster = Cluster(root / "ray")
    walls: dict[tuple[str, int], list[float]] = {}
    try:
        cluster.start(head=True, cpus=2, resources={"sandbox_bwrap": 1})
        import ray

        ray.init(address=cluster.address, log_to_driver=False, configure_logging=False)
        executors: dict[str, Executor] = {"local": LocalExecutor(),
                                          "ray": RayExecutor(cluster.address)}
        timed_job(root / "warm", root / "jobs", "warm", executors["ray"], 2)  # starts workers
        # Interleaved (local, ray, local, ray, ...): a load that changes during the run weighs
        # on both sides alike.
        for r in range(args.rounds):
            for c in (1, 2):
                for name, executor in executors.items():
                    with Noise() as noise:
                        wall = timed_job(root / "tasks", root / "jobs", f"{name}-{c}-{r}",
                                         executor, c)
                    walls.setdefault((name, c), []).append(wall)
                    print(f"round {r + 1}, {c} in flight, {name}: {wall / n * 1000:.1f} ms per "
                          f"trial ({noise})", flush=True)
        ray.shutdown()
    finally:
        cluster.stop()
    ms = {k: statistics.median(v) / n * 1000 for k, v in walls.items()}
    for c in (1, 2):
        print(f"{c} in flight (median of {args.rounds}): local {1000 / ms['local', c]:.1f} "
              f"trials/s ({ms['local', c]:.1f} ms per trial), ray {1000 / ms['ray', c]:.1f} "
              f"trials/s ({ms['ray', c]:.1f} ms per trial)")
    overheads = [(rw - lw) / n * 1000
                 for lw, rw in zip(walls["local", 1], walls["ray", 1], strict=True)]
    print(f"ray overhead per trial (1 in flight), per round: "
          f"{', '.join(f'{o:.1f}' for o in overheads)} ms; "
          f"median {statistics.median(overheads):.1f} ms")
    local_ms, ray_ms = ms["local", 1], ms["ray", 1]
    print(f"local_ms_per_trial={local_ms:.1f} ray_ms_per_trial={ray_ms:.1f} "
          f"ratio={ray_ms / local_ms:.2f}")


if __name__ == "__main__":
    main()
