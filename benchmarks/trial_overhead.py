"""Per-trial overhead of the harness over the sandbox itself.

Runs N trials of the ``nop`` agent on N trivial tasks through the real CLI (start-up included,
one trial at a time), and in the same run N bare ``bwrap ... true`` calls with the same binds.
overhead per trial = (wall time of the run - bare total) / N.

    .venv/bin/python benchmarks/trial_overhead.py [--trials 100]

Last line: ``overhead_ms_per_trial=X bare_ms=Y ratio=Z`` (ratio = run wall / bare total).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEST_SH = "#!/bin/bash\necho 0 > /logs/verifier/reward.txt\n"


def make_tasks(root: Path, n: int) -> None:
    for i in range(n):
        task = root / f"trivial-{i:03d}"
        for sub in ("environment", "tests", "solution"):
            (task / sub).mkdir(parents=True)
        (task / "task.toml").write_text('version = "1.0"\n[agent]\ntimeout_sec = 30.0\n')
        (task / "instruction.md").write_text(f"Trivial task {i}.\n")
        (task / "environment" / "Dockerfile").write_text("FROM localhost/debian:bookworm\n"
                                                         "WORKDIR /app\n")
        (task / "tests" / "test.sh").write_text(TEST_SH)
        (task / "solution" / "solve.sh").write_text("#!/bin/bash\ntrue\n")


def bare_bwrap(scratch: Path, n: int) -> float:
    """N serial bwrap calls with the binds a trial's verifier call uses."""
    for d in ("work", "logs", "tmp", "home"):
        (scratch / d).mkdir(parents=True, exist_ok=True)
    argv = ["bwrap", "--die-with-parent", "--new-session", "--unshare-pid", "--ro-bind", "/usr",
            "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
            "--symlink", "usr/lib64", "/lib64", "--proc", "/proc", "--dev", "/dev",
            "--bind", str(scratch / "tmp"), "/tmp", "--bind", str(scratch / "logs"), "/logs",
            "--bind", str(scratch / "work"), "/app", "--chdir", "/app", "true"]
    os.sync()
    start = time.perf_counter()
    for _ in range(n):
        subprocess.run(argv, check=True, stdin=subprocess.DEVNULL)
    return time.perf_counter() - start


def harness_run(tasks: Path, jobs: Path, n: int, concurrency: int,
                scratch: str | None = None) -> float:
    extra = ["--scratch", scratch] if scratch else []
    os.sync()  # start from a quiet disk: the previous phase's writeback is not this one's cost
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "agentindex.cli", "run", "-d", str(tasks), "-a", "nop", "-o",
         str(jobs), "--job", f"bench-n{concurrency}-{bool(scratch)}", "-n", str(concurrency),
         *extra], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    if result.returncode != 0 or f"ran {n} trial(s)" not in result.stdout:
        sys.exit(f"the run failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=100)
    n = parser.parse_args().trials
    root = Path(tempfile.mkdtemp(prefix="agentindex-bench-"))
    try:
        make_tasks(root / "tasks", n)
        bare = bare_bwrap(root / "bare", n)
        wall = harness_run(root / "tasks", root / "jobs", n, concurrency=1)
        wall4 = harness_run(root / "tasks", root / "jobs", n, concurrency=4)
        shm = "/dev/shm" if Path("/dev/shm").is_dir() else None
        wall_shm = harness_run(root / "tasks", root / "jobs", n, 1, shm) if shm else None
    finally:
        shutil.rmtree(root, ignore_errors=True)
    overhead_ms = (wall - bare) / n * 1000
    print(f"trials={n} run_wall_s={wall:.3f} (-n 1) run_wall_n4_s={wall4:.3f} (-n 4) "
          f"bare_total_s={bare:.3f}")
    print(f"per trial: run {wall / n * 1000:.1f} ms, -n 4 {wall4 / n * 1000:.1f} ms, "
          f"bare bwrap {bare / n * 1000:.1f} ms")
    if wall_shm is not None:
        print(f"with --scratch /dev/shm (-n 1): run {wall_shm / n * 1000:.1f} ms per trial, "
              f"overhead {(wall_shm - bare) / n * 1000:.1f} ms")
    print(f"overhead_ms_per_trial={overhead_ms:.1f} bare_ms={bare / n * 1000:.1f} "
          f"ratio={wall / bare:.2f}")


if __name__ == "__main__":
    main()
