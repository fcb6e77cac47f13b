"""Per-trial overhead of the harness over the sandbox itself, and the fixed cost of a run.

N bare ``bwrap ... true`` calls with a trial's binds; then, ``--rounds`` times back to back on the
same machine (no cache drop; a figure that creeps from round to round is a defect), through the
real CLI, one trial at a time (``-n 1``), start-up included:

- a run of N trials of the ``nop`` agent on N trivial tasks (a new job each round);
- the same command again: a re-run of the finished job, zero trials to run;
- a run of one trial (a job of its own).

overhead per trial = (N-trial run - bare total) / N; marginal cost per trial = (N-trial run -
1-trial run) / (N - 1); fixed cost of a run = 1-trial run - marginal. Wall and CPU (user + system
of the CLI and its children) are both printed, with the load and the CPU other processes took.

    .venv/bin/python benchmarks/trial_overhead.py [--trials 100] [--rounds 3]

Last line: ``overhead_ms_per_trial=X bare_ms=Y ratio=Z fixed_s=F marginal_ms=M rerun_s=R``
(overhead and ratio: the slowest round; the others: medians over rounds; all wall time).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from noise import Noise

TEST_SH = "#!/bin/bash\necho 0 > /logs/verifier/reward.txt\n"


def make_tasks(root: Path, n: int, first: int = 0) -> None:
    for i in range(first, first + n):
        task = root / f"trivial-{i:03d}"
        for sub in ("environment", "tests", "solution"):
            (task / sub).mkdir(parents=True)
        (task / "task.toml").write_text('version = "1.0"\n[agent]\ntimeout_sec = 30.0\n')
        (task / "instruction.md").write_text(f"Trivial task {i}.\n")
        (task / "environment" / "Dockerfile").write_text("FROM localhost/debian:bookworm\n"
                                                         "WORKDIR /app\n")
        (task / "tests" / "test.sh").write_text(TEST_SH)
        (task / "solution" / "solve.sh").write_text("#!/bin/bash\ntrue\n")


def bare_bwrap(scratch: Path, n: int) -> tuple[float, float]:
    """N serial bwrap calls with the binds a trial's verifier call uses."""
    for d in ("work", "logs", "tmp", "home"):
        (scratch / d).mkdir(parents=True, exist_ok=True)
    argv = ["bwrap", "--die-with-parent", "--new-session", "--unshare-pid", "--ro-bind", "/usr",
            "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
            "--symlink", "usr/lib64", "/lib64", "--proc", "/proc", "--dev", "/dev",
            "--bind", str(scratch / "tmp"), "/tmp", "--bind", str(scratch / "logs"), "/logs",
            "--bind", str(scratch / "work"), "/app", "--chdir", "/app", "true"]
    os.sync()
    cpu0 = children_cpu()
    start = time.perf_counter()
    for _ in range(n):
        subprocess.run(argv, check=True, stdin=subprocess.DEVNULL)
    return time.perf_counter() - start, children_cpu() - cpu0


def harness_run(tasks: Path, jobs: Path, job: str, concurrency: int = 1,
                scratch: str | None = None) -> tuple[float, float, int]:
    """(wall s, CPU s of the CLI process and its children, trials it ran) of one CLI run."""
    extra = ["--scratch", scratch] if scratch else []
    os.sync()  # start from a quiet disk: the previous phase's writeback is not this one's cost
    cpu0 = children_cpu()
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "agentindex.cli", "run", "-d", str(tasks), "-a", "nop", "-o",
         str(jobs), "--job", job, "-n", str(concurrency), *extra],
        capture_output=True, text=True, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    ran = re.search(r"ran (\d+) trial\(s\)", result.stdout)
    if result.returncode != 0 or ran is None:
        sys.exit(f"the run failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return wall, children_cpu() - cpu0, int(ran.group(1))


def children_cpu() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


@dataclass(frozen=True)
class Round:
    """One back-to-back round: N trials, the same N again (nothing to run), one trial."""

    wall: float
    cpu: float
    rerun_wall: float
    rerun_cpu: float
    one_wall: float
    one_cpu: float
    noise: str

    def marginal(self, n: int, cpu: bool = False) -> float:
        """Seconds per trial beyond the first: (N-trial run - 1-trial run) / (N - 1)."""
        full, one = (self.cpu, self.one_cpu) if cpu else (self.wall, self.one_wall)
        return (full - one) / (n - 1)

    def fixed(self, n: int, cpu: bool = False) -> float:
        """A run's cost apart from its trials: the 1-trial run minus one marginal trial."""
        return (self.one_cpu if cpu else self.one_wall) - self.marginal(n, cpu)


def one_round(root: Path, i: int, n: int) -> Round:
    jobs = root / "jobs"
    with Noise() as noise:
        wall, cpu, ran = harness_run(root / "tasks", jobs, f"bench-{i}")
        rerun_wall, rerun_cpu, reran = harness_run(root / "tasks", jobs, f"bench-{i}")
        one_wall, one_cpu, one = harness_run(root / "one", jobs, f"bench-one-{i}")
    assert (ran, reran, one) == (n, 0, 1), (ran, reran, one)
    return Round(wall, cpu, rerun_wall, rerun_cpu, one_wall, one_cpu, str(noise))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3, help="back-to-back runs (creep check)")
    args = parser.parse_args()
    n = args.trials
    root = Path(tempfile.mkdtemp(prefix="agentindex-bench-"))
    rounds: list[Round] = []
    try:
        make_tasks(root / "tasks", n)
        make_tasks(root / "one", 1, first=n)  # a task of its own: a trial not done yet
        with Noise() as noise:
            bare, bare_cpu = bare_bwrap(root / "bare", n)
        print(f"bare bwrap ... true: {bare / n * 1000:.1f} ms wall, {bare_cpu / n * 1000:.2f} ms "
              f"CPU per call  [{noise}]")
        for i in range(args.rounds):
            r = one_round(root, i, n)
            rounds.append(r)
            print(f"round {i + 1}: {n} trials {r.wall:.2f} s wall / {r.cpu:.2f} s CPU -> "
                  f"overhead {(r.wall - bare) / n * 1000:.1f} ms/trial wall, "
                  f"{(r.cpu - bare_cpu) / n * 1000:.1f} ms/trial CPU; marginal "
                  f"{r.marginal(n) * 1000:.1f} ms wall / {r.marginal(n, True) * 1000:.1f} ms CPU; "
                  f"fixed {r.fixed(n):.3f} s wall / {r.fixed(n, True):.3f} s CPU; re-run of the "
                  f"finished job {r.rerun_wall:.3f} s wall / {r.rerun_cpu:.3f} s CPU  [{r.noise}]")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    worst = max(rounds, key=lambda r: r.wall)
    med = statistics.median
    marginal = med(r.marginal(n) for r in rounds)
    marginal_cpu = med(r.marginal(n, True) for r in rounds)
    fixed, fixed_cpu = med(r.fixed(n) for r in rounds), med(r.fixed(n, True) for r in rounds)
    rerun, rerun_cpu = med(r.rerun_wall for r in rounds), med(r.rerun_cpu for r in rounds)
    print(f"over {len(rounds)} rounds, median: marginal {marginal * 1000:.1f} ms/trial wall, "
          f"{marginal_cpu * 1000:.1f} ms CPU; fixed {fixed:.3f} s wall, {fixed_cpu:.3f} s CPU; "
          f"re-run {rerun:.3f} s wall, {rerun_cpu:.3f} s CPU")
    print(f"overhead_ms_per_trial={(worst.wall - bare) / n * 1000:.1f} "
          f"bare_ms={bare / n * 1000:.1f} ratio={worst.wall / bare:.2f} fixed_s={fixed:.3f} "
          f"marginal_ms={marginal * 1000:.1f} rerun_s={rerun:.3f}")

if __name__ == "__main__":
    main()
