"""Soak: thousands of trials through the real ``agentindex run`` under seeded faults, with runner
kills, then counts of what was lost, duplicated, recorded and left behind.

The demo's terminal tasks are copied under new names (each copy's instruction names the copy and
a marker unique to this soak, so each has its own digest, and every builtin's command line
carries the marker; every bwrap's carries the soak's directory) with the agent timeout cut to
``--agent-timeout``. One job runs them on
bwrap with ``builtin`` and ``scripted/oracle``, ``scripted/flaky``, ``scripted/cut`` and
``scripted/chaos`` (provider faults at the rate ``--chaos-rate``: 429, 500, 529, cuts, stalls
past builtin's read timeout, malformed responses). Agent and sandbox faults come from the
failpoints (``agentindex.failpoints``) at their own rates. ``--kills`` times, at a seeded
moment, the whole ``agentindex run`` process group gets ``kill -9``, and the same command starts
again; after the last, it runs to the end, and once more (nothing left to run).

Counted after (:mod:`soak_counts`): trials planned / committed / duplicated / lost, tries per
error class and what the policy did, calls recorded vs. served by the scripted provider (its own
log, written as it serves), half-done trials on disk, orphaned processes, network namespaces,
cgroups, mounts. Sampled during: RSS, open fds and threads of the runner (the gateway runs in its
process), with least-squares slopes per 1,000 trials.

    .venv/bin/python benchmarks/soak.py --trials 5000 --kills 10 --seed 1 -n 8 --json out.json

Exit status 0 when every invariant holds (0 lost, 0 duplicated, failed calls recorded ==
faults served, 0 half-done, 0 orphans); the last line is ``soak: ok|FAILED ...``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from soak_counts import Run, Sample, counts, invariants, slopes

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "src" / "agentindex" / "data" / "demo" / "terminal"
AGENTINDEX = Path(sys.executable).parent / "agentindex"


@dataclass(frozen=True)
class Config:
    trials: int = 300
    kills: int = 2
    seed: int = 1
    concurrency: int = 8
    chaos_rate: float = 0.25
    stall_s: float = 10.0
    read_timeout: float = 3.0
    agent_timeout: float = 20.0
    sandbox_start_rate: float = 0.02
    sandbox_exec_rate: float = 0.004
    agent_exit_rate: float = 0.02
    agent_hang_rate: float = 0.005
    kill_window: tuple[float, float] = (0.05, 0.6)  # kills fall in this share of the trials

    @property
    def models(self) -> list[str]:
        chaos = (f"scripted/chaos?seed={self.seed}&rate={self.chaos_rate:g}"
                 f"&stall={self.stall_s:g}")
        return ["scripted/oracle", "scripted/flaky", "scripted/cut", chaos]


@dataclass
class Soak:
    config: Config
    workdir: Path
    runs: list[Run] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)

    @property
    def job_dir(self) -> Path:
        return self.workdir / "jobs" / "soak"


def make_tasks(root: Path, config: Config, marker: str) -> int:
    """Copies of the demo's terminal tasks, enough for ``config.trials``; returns the trials
    planned (copies x tasks x models, the first multiple at or above the asked number)."""
    demo = sorted(p for p in DEMO.iterdir() if p.is_dir())
    per_copy = len(demo) * len(config.models)
    copies = math.ceil(config.trials / per_copy)
    for i in range(copies):
        for task in demo:
            dest = root / f"{task.name}-{i:04d}"
            shutil.copytree(task, dest)
            with (dest / "instruction.md").open("a") as f:
                f.write(f"\n({marker} copy {i})\n")
            toml = dest / "task.toml"
            text = toml.read_text()
            head, sep, tail = text.partition("[agent]\ntimeout_sec = 600.0")
            assert sep, f"{toml}: no [agent] timeout_sec = 600.0 to shorten"
            toml.write_text(f"{head}[agent]\ntimeout_sec = {config.agent_timeout:g}{tail}")
    return copies * per_copy


def write_job(soak: Soak, tasks: Path) -> Path:
    c = soak.config
    job = {"datasets": [str(tasks)], "agents": ["builtin"], "models": c.models,
           "settings": {"read_timeout": c.read_timeout}, "env": "bwrap",
           "concurrency": c.concurrency, "jobs_dir": str(soak.workdir / "jobs"), "job": "soak"}
    path = soak.workdir / "job.json"  # YAML's superset: JSON reads as YAML
    path.write_text(json.dumps(job, indent=2))
    plan = {"seed": c.seed, "log": str(soak.workdir / "fired"), "rates": {
        "sandbox.start": c.sandbox_start_rate, "sandbox.exec": c.sandbox_exec_rate,
        "agent.exit": c.agent_exit_rate, "agent.hang": c.agent_hang_rate}}
    (soak.workdir / "failpoints.json").write_text(json.dumps(plan, indent=2))
    return path


def committed_dirs(job_dir: Path) -> int:
    """Trials renamed into place (a commit follows at once): the sampler's cheap counter."""
    try:
        return sum(1 for e in os.scandir(job_dir / "trials") if not e.name.startswith("."))
    except FileNotFoundError:
        return 0


def proc_sample(pid: int) -> tuple[int, int, int] | None:
    """(RSS kB, open fds, threads) of ``pid``, or None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    if "VmRSS" not in fields:  # killed: a zombie until it is waited for
        return None
    return int(fields["VmRSS"].split()[0]), fds, int(fields["Threads"])


def sample_until(soak: Soak, proc: subprocess.Popen[bytes], run_no: int,
                 stop: threading.Event, every_s: float = 1.0) -> None:
    while not stop.is_set() and proc.poll() is None:
        got = proc_sample(proc.pid)
        if got is not None:
            sample = Sample(run_no, time.time(), committed_dirs(soak.job_dir), *got,
                            os.getloadavg()[0])
            soak.samples.append(sample)
            _append(soak.workdir / "samples.jsonl", asdict(sample))
        stop.wait(every_s)


def start(soak: Soak, job: Path, run_no: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "AGENTINDEX_SCRIPTED_LOG": str(soak.workdir / "served"),
           "AGENTINDEX_FAILPOINTS": str(soak.workdir / "failpoints.json")}
    log = (soak.workdir / f"run-{run_no:02d}.log").open("wb")
    # A session of its own: kill -9 of its process group takes the runner and what shares it.
    return subprocess.Popen([str(AGENTINDEX), "run", str(job)], stdout=log,
                            stderr=subprocess.STDOUT, env=env, start_new_session=True,
                            cwd=soak.workdir)


def one_run(soak: Soak, job: Path, kill_at: int | None, rng: random.Random) -> Run:
    """Run the job; with ``kill_at``, ``kill -9`` its process group once that many trials are
    in place and a further random 0-2 s has passed (a random moment inside a trial)."""
    run_no = len(soak.runs) + 1
    t0 = time.time()
    proc = start(soak, job, run_no)
    _append(soak.workdir / "runs.jsonl", {"run_no": run_no, "pid": proc.pid, "started": t0})
    stop = threading.Event()
    sampler = threading.Thread(target=sample_until, args=(soak, proc, run_no, stop))
    sampler.start()
    killed = False
    try:
        if kill_at is not None:
            while proc.poll() is None and committed_dirs(soak.job_dir) < kill_at:
                time.sleep(0.2)
            time.sleep(rng.uniform(0.0, 2.0))
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                killed = True
        code = proc.wait()
    finally:
        stop.set()
        sampler.join()
    run = Run(run_no, proc.pid, t0, time.time(), killed, code, committed_dirs(soak.job_dir))
    _append(soak.workdir / "runs.jsonl", asdict(run))
    return run


def _append(path: Path, record: dict[str, object]) -> None:
    with path.open("a") as f:
        f.write(json.dumps(record) + "\n")


def kill_points(config: Config, planned: int, rng: random.Random) -> list[int]:
    lo, hi = (int(planned * f) for f in config.kill_window)
    span = range(max(1, lo), max(lo + config.kills + 1, hi))
    return sorted(rng.sample(span, config.kills))


def soak_run(config: Config, workdir: Path) -> dict[str, object]:
    soak = Soak(config, workdir)
    tasks = workdir / "tasks"
    marker = f"agentindex-soak-{secrets.token_hex(4)}"  # in every builtin's command line
    (workdir / "marker").write_text(marker)
    planned = make_tasks(tasks, config, marker)
    job = write_job(soak, tasks)
    rng = random.Random(config.seed)
    t0 = time.time()
    for point in kill_points(config, planned, rng):
        soak.runs.append(one_run(soak, job, point, rng))
        print(f"run {soak.runs[-1].run_no}: {'killed' if soak.runs[-1].killed else 'ended'} "
              f"with {soak.runs[-1].committed_after} trials in place", flush=True)
    soak.runs.append(one_run(soak, job, None, rng))  # to the end
    soak.runs.append(one_run(soak, job, None, rng))  # again: nothing left to run
    wall = time.time() - t0
    result = counts(soak.job_dir, workdir, soak.runs, planned, marker)
    result["config"] = {**asdict(config), "models": config.models}
    result["command"] = " ".join([AGENTINDEX.name, "run", str(job)])
    result["wall_s"] = round(wall, 1)
    result["trials_per_s"] = round(planned / wall, 3)
    result["slopes_per_1000_trials"] = slopes(soak.samples)
    result["samples"] = [[s.run_no, s.committed, s.rss_kb, s.fds, s.threads, s.load1]
                         for s in soak.samples]
    loads = [s.load1 for s in soak.samples] or [0.0]
    result["load_1min"] = {"mean": round(sum(loads) / len(loads), 1), "max": max(loads)}
    result["rerun_said_nothing_to_run"] = "0 to run" in (
        workdir / f"run-{soak.runs[-1].run_no:02d}.log").read_text(errors="replace")
    result["problems"] = invariants(result)
    for run in soak.runs:  # a run that neither ended nor was killed: what it said last
        if not run.killed and run.exit_code != 0:
            log = (workdir / f"run-{run.run_no:02d}.log").read_text(errors="replace")
            result["problems"].append(f"run {run.run_no} exited {run.exit_code}; its log "
                                      f"ends:\n" + "\n".join(log.splitlines()[-40:]))
    return result


def recount(workdir: Path) -> dict[str, object]:
    """The counts of a soak that was stopped before its end (its runs and samples as logged;
    a run still going when it was stopped ends now), for a partial report."""
    runs: dict[int, Run] = {}
    for line in (workdir / "runs.jsonl").read_text().splitlines():
        r = json.loads(line)
        runs[r["run_no"]] = Run(**r) if "ended" in r else Run(
            r["run_no"], r["pid"], r["started"], time.time(), True, -9, 0)
    samples = [Sample(**json.loads(line))
               for line in (workdir / "samples.jsonl").read_text().splitlines()]
    job_dir = workdir / "jobs" / "soak"
    planned = len(list((workdir / "tasks").iterdir())) * 4
    result = counts(job_dir, workdir, list(runs.values()), planned,
                    (workdir / "marker").read_text())
    result["slopes_per_1000_trials"] = slopes(samples)
    result["partial"] = True
    return result


def print_summary(result: dict[str, object]) -> None:
    for key in ("trials", "tries", "calls", "faults", "on_disk", "orphans", "runs",
                "slopes_per_1000_trials"):
        print(f"{key}: {json.dumps(result[key], sort_keys=True)}")
    print(f"wall {result['wall_s']} s, {result['trials_per_s']} trials/s, "
          f"load {result['load_1min']}")
    problems = result["problems"]
    assert isinstance(problems, list)
    print("soak: ok" if not problems else "soak: FAILED " + "; ".join(problems))


def parse_args(argv: list[str] | None = None) -> tuple[Config, argparse.Namespace]:
    d = Config()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=d.trials)
    ap.add_argument("--kills", type=int, default=d.kills)
    ap.add_argument("--seed", type=int, default=d.seed)
    ap.add_argument("-n", "--concurrency", type=int, default=d.concurrency)
    for name in ("chaos_rate", "stall_s", "read_timeout", "agent_timeout", "sandbox_start_rate",
                 "sandbox_exec_rate", "agent_exit_rate", "agent_hang_rate"):
        ap.add_argument("--" + name.replace("_", "-"), type=float, default=getattr(d, name))
    ap.add_argument("--workdir", type=Path, help="default: a new temporary directory")
    ap.add_argument("--json", type=Path, help="write the counts here")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--recount", type=Path, help="only count a stopped soak's work directory")
    args = ap.parse_args(argv)
    fields = {k: v for k, v in vars(args).items() if k in Config.__dataclass_fields__}
    return Config(**fields), args


def main(argv: list[str] | None = None) -> int:
    config, args = parse_args(argv)
    if args.recount:
        partial = recount(args.recount)
        print(json.dumps({k: v for k, v in partial.items() if k != "samples"}, indent=1))
        if args.json:
            args.json.write_text(json.dumps(partial, indent=2, sort_keys=True) + "\n")
        return 0
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="agentindex-soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"soak in {workdir}: {config}", flush=True)
    try:
        result = soak_run(config, workdir.resolve())
        result["workdir"] = str(workdir)
        if args.json:
            args.json.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
        print_summary(result)
    except BaseException:
        print(f"soak: failed; its work directory is kept: {workdir}", flush=True)
        raise
    if result["problems"]:
        print(f"soak: problems found; its work directory is kept: {workdir}", flush=True)
        return 1
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
