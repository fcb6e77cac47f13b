"""The Ray executor on a real two-node Ray cluster on this machine (``ray start`` twice).

One cluster serves the module (starting one takes tens of seconds); the test that kills a node
runs last. Drivers run as ``agentindex run --executor ray`` processes, as a user runs them.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentindex.sandbox.cleanup import owner_of
from tests.conftest import write_task
from tests.integration.ray.cluster import Cluster, node_env, two_nodes, worker_pids

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

WORKER_KEY = "sk-ant-worker-only-4f1d9c2b7e"  # what the workers' gateways may read
DRIVER_KEY = "sk-ant-driver-never-sent-8a3e"  # in the driver's environment: must stay there
DEMO = ["-d", "demo", "-a", "oracle", "-a", "nop", "-a", "builtin", "-m", "scripted/oracle"]
# A harness that calls a model, so each trial starts a gateway on its worker node.
KEYS_JOB = ["-d", "demo-terminal", "-a", "builtin", "-m", "scripted/oracle"]


@pytest.fixture(scope="module")
def ray_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ray-node-dir")


@pytest.fixture(scope="module")
def cluster(ray_dir: Path) -> Iterator[Cluster]:
    with two_nodes({"ANTHROPIC_API_KEY": WORKER_KEY, "AGENTINDEX_RAY_DIR": str(ray_dir)}) as c:
        yield c


def agentindex(*args: str, env: dict[str, str] | None = None,
               timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agentindex.cli", "run", *args],
                          capture_output=True, text=True, timeout=timeout,
                          env=env or node_env(), check=False)


def rows(job: Path) -> dict[str, dict[str, object]]:
    with sqlite3.connect(job / "results.sqlite") as c:
        c.row_factory = sqlite3.Row
        trials = {r["trial_id"]: dict(r) for r in c.execute("select * from trials")}
        for r in c.execute("select trial_id, sum(input) i, sum(cache_read) cr, "
                           "sum(cache_write_5m) cw, sum(output) o, count(*) n "
                           "from calls group by trial_id"):
            trials[r["trial_id"]]["tokens"] = (r["i"], r["cr"], r["cw"], r["o"], r["n"])
    return trials


def outcome(r: dict[str, object]) -> tuple[object, ...]:
    return (r["reward"], r["error_class"], r["score_as"], r["tries"], r.get("tokens"))


def committed(job: Path) -> int:
    try:
        with sqlite3.connect(job / "results.sqlite", timeout=5) as c:
            return int(c.execute("select count(*) from trials").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def slow_tasks(root: Path, n: int, seconds: float) -> Path:
    for i in range(n):
        solve = f"sleep {seconds}; " + ("exit 1" if i == 1 else "echo done > /app/out.txt")
        write_task(root, f"slow-{i}", solve=solve, instruction=f"Task {i}.\n")
    return root


def test_demo_on_ray_equals_local_and_uses_both_nodes(cluster: Cluster, tmp_path: Path) -> None:
    local = agentindex(*DEMO, "-o", str(tmp_path / "local"), "--job", "demo")
    assert local.returncode == 0, local.stderr
    ray = agentindex(*DEMO, "-o", str(tmp_path / "ray"), "--job", "demo", "--executor", "ray",
                     "--ray-address", cluster.address)
    assert ray.returncode == 0, ray.stderr
    here, there = rows(tmp_path / "local" / "demo"), rows(tmp_path / "ray" / "demo")
    assert len(here) == 36
    assert {t: outcome(r) for t, r in there.items()} == {t: outcome(r) for t, r in here.items()}
    assert {r["reward"] for r in there.values()} == {0.0, 1.0}
    assert all(r["tokens"] is not None for r in there.values() if r["reward"] and
               "builtin" in str(r["variant_key"]))
    assert {r["node_id"] for r in here.values()} == {None}
    nodes = {r["node_id"] for r in there.values()}
    assert len(nodes) == 2 and None not in nodes  # both nodes ran trials
    for tid in there:  # the same artifacts came back: outputs, patches, calls
        a, b = (tmp_path / side / "demo" / "trials" / tid for side in ("local", "ray"))
        assert _files(a) == _files(b)
        result = json.loads((b / "result.json").read_text())
        assert result["node_id"] in nodes and result["task_path"] == \
            json.loads((a / "result.json").read_text())["task_path"]
    again = agentindex(*DEMO, "-o", str(tmp_path / "ray"), "--job", "demo", "--executor", "ray",
                       "--ray-address", cluster.address)
    assert "36 already done, 0 to run" in again.stdout


def _files(d: Path) -> set[str]:
    return {str(p.relative_to(d)) for p in d.rglob("*") if p.is_file()}


def test_keys_on_the_workers_never_travel(cluster: Cluster, tmp_path: Path) -> None:
    """The driver has a key in its environment, the workers another: neither is in any Ray task
    argument (every request the job sends, serialised as Ray serialises it), nor in anything a
    trial sent back (the job directory), nor anywhere in the cluster's files (logs, spills)."""
    from agentindex.runner.executors.base import JobContext
    from agentindex.runner.executors.ray_executor import RayRunner, import_ray
    from agentindex.runner.job import JobSpec, plan_trials
    from agentindex.runner.variants import expand_variants
    from agentindex.sandbox import get_backend
    from agentindex.tasks.catalog import resolve_datasets

    raylet = cluster.raylet_pid(cluster.nodes[1])
    environ = Path(f"/proc/{raylet}/environ").read_bytes()
    assert f"ANTHROPIC_API_KEY={WORKER_KEY}".encode() in environ  # the workers do have it
    env = {**node_env(), "ANTHROPIC_API_KEY": DRIVER_KEY}
    done = agentindex(*KEYS_JOB, "-o", str(tmp_path / "jobs"), "--job", "k", "--executor",
                      "ray", "--ray-address", cluster.address, env=env)
    assert done.returncode == 0, done.stderr
    ran = rows(tmp_path / "jobs" / "k")
    assert [r["reward"] for r in ran.values()] == [1.0] * 4  # through each node's gateway
    assert all(r["tokens"] is not None for r in ran.values())

    ray = import_ray()
    spec = JobSpec(name="k", jobs_dir=tmp_path / "jobs",
                   selection=resolve_datasets(["demo-terminal"]),
                   variants=expand_variants(["builtin"], ["scripted/oracle"]),
                   attempts=1, concurrency=4, backend=get_backend("bwrap"))
    plans = list(plan_trials(spec))
    os.environ["ANTHROPIC_API_KEY"] = DRIVER_KEY
    try:
        ray.init(address=cluster.address, log_to_driver=False, configure_logging=False)
        context = JobContext(name="k", job_dir=spec.job_dir, backend=spec.backend,
                             scratch=spec.scratch, agent_cache=spec.agent_cache, plans=plans)
        runner = RayRunner(ray, context, 1 << 20, 3)
        sent = [ray.cloudpickle.dumps(runner.request(p)) for p in plans]
    finally:
        ray.shutdown()
        del os.environ["ANTHROPIC_API_KEY"]
    assert len(sent) == 4 and all(p.trial_id.encode() in s for p, s in zip(plans, sent,
                                                                            strict=True))
    for secret in (WORKER_KEY, DRIVER_KEY):
        assert not any(secret.encode() in s for s in sent)
        assert _grep(tmp_path / "jobs", secret) == []
        assert _grep(cluster.temp_dir, secret) == []


def _grep(root: Path, text: str) -> list[Path]:
    needle = text.encode()
    return [p for p in root.rglob("*") if p.is_file() and not p.is_socket()
            and needle in _read(p)]


def _read(p: Path) -> bytes:
    try:
        return p.read_bytes()
    except OSError:
        return b""


def test_driver_killed_then_rerun_completes_once(cluster: Cluster, ray_dir: Path,
                                                 tmp_path: Path) -> None:
    tasks = slow_tasks(tmp_path / "tasks", 8, 2)
    args = ["-d", str(tasks), "-a", "oracle", "-o", str(tmp_path / "jobs"), "--job", "j",
            "--executor", "ray", "--ray-address", cluster.address, "-n", "4"]
    job = tmp_path / "jobs" / "j"
    driver = subprocess.Popen([sys.executable, "-m", "agentindex.cli", "run", *args],
                              env=node_env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    end = time.monotonic() + 300
    while committed(job) < 2 and driver.poll() is None and time.monotonic() < end:
        time.sleep(0.05)
    workers = worker_pids(cluster)  # among them, those running the trials in flight
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    assert 2 <= committed(job) < 8
    rerun = agentindex(*args)
    assert rerun.returncode == 0, rerun.stderr
    final = rows(job)
    assert len(final) == 8
    assert {t: r["reward"] for t, r in final.items()} == {
        t: (0.0 if r["task_name"] == "slow-1" else 1.0) for t, r in final.items()}
    assert {d.name for d in (job / "trials").iterdir()} == set(final)
    # What the killed run's workers left (workspaces, cgroups of their sandboxes) is gone: the
    # re-run's workers removed it, as their owners were dead.
    dead = {f"{pid}." for pid in workers if not Path(f"/proc/{pid}").exists()}
    assert dead, "killing the driver ended its workers"
    left = [d.name for d in (ray_dir / "work").iterdir()] if (ray_dir / "work").exists() else []
    left += [p.name for p in Path("/sys/fs/cgroup/pids/agentindex").glob("agentindex-*")]
    assert [n for n in left if any((owner_of(n) or "").startswith(d) for d in dead)] == []


def test_cluster_check_reports_each_node(cluster: Cluster) -> None:
    done = subprocess.run([sys.executable, "-m", "agentindex.cli", "cluster", "check",
                           "--ray-address", cluster.address], capture_output=True, text=True,
                          timeout=600, env=node_env(), check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 node(s), 0 with problems" in done.stdout
    assert done.stdout.count("bwrap: ok") == 2
    assert done.stdout.count("ANTHROPIC_API_KEY") == 2 and WORKER_KEY not in done.stdout


def test_a_worker_killed_mid_trial_keeps_its_calls_as_spend(cluster: Cluster, ray_dir: Path,
                                                            tmp_path: Path) -> None:
    """A try's model calls are billed as they are made. Its worker killed after the first one,
    Ray runs the trial again, and the calls the dead try staged on its node reach the job's
    store as interrupted spend (before, the next worker removed them with the workspace)."""
    tasks = tmp_path / "tasks"
    write_task(tasks, "slow", solve="sleep 20; echo done > /app/out.txt", instruction="Task.\n")
    args = ["-d", str(tasks), "-a", "builtin", "-m", "scripted/oracle", "-o",
            str(tmp_path / "jobs"), "--job", "j", "--executor", "ray", "--ray-address",
            cluster.address, "-n", "1"]
    driver = subprocess.Popen([sys.executable, "-m", "agentindex.cli", "run", *args],
                              env=node_env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    staged: Path | None = None
    end = time.monotonic() + 300
    while staged is None and driver.poll() is None and time.monotonic() < end:
        staged = next((f for f in (ray_dir / "work").glob("*/staging/tries/1/calls.jsonl")
                       if f.stat().st_size), None)
        time.sleep(0.05)
    assert staged is not None, "no try staged a call"
    workspace = staged.parents[3]  # work/<workspace>/staging/tries/1/calls.jsonl
    killed = [json.loads(line) for line in staged.read_text().splitlines()]  # its tool sleeps
    worker = int((owner_of(workspace.name) or "").split(".")[0])
    os.kill(worker, signal.SIGKILL)
    _, err = driver.communicate(timeout=600)
    assert driver.returncode == 0, err
    [final] = rows(tmp_path / "jobs" / "j").values()
    assert (final["reward"], final["error_class"]) == (1.0, None)  # the retry, committed once
    with sqlite3.connect(tmp_path / "jobs" / "j" / "results.sqlite") as c:
        kept = set(c.execute("select trial_id, try_no, seq, started_at, input, output "
                             "from interrupted_calls"))
    assert killed and kept == {(k["trial_id"], k["try_no"], k["seq"], k["started_at"],
                                k["input"], k["output"]) for k in killed}
    assert not workspace.exists()  # claimed by the retry's worker, and gone with its workspace


def test_a_node_killed_mid_job_loses_no_trial(cluster: Cluster, tmp_path: Path) -> None:
    """Runs last: it kills the second node."""
    tasks = slow_tasks(tmp_path / "tasks", 8, 4)
    args = ["-d", str(tasks), "-a", "oracle", "-o", str(tmp_path / "jobs"), "--job", "j",
            "--executor", "ray", "--ray-address", cluster.address, "-n", "8"]
    job = tmp_path / "jobs" / "j"
    driver = subprocess.Popen([sys.executable, "-m", "agentindex.cli", "run", *args],
                              env=node_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    end = time.monotonic() + 300
    while committed(job) < 1 and driver.poll() is None and time.monotonic() < end:
        time.sleep(0.05)
    second = cluster.nodes[1]
    cluster.kill_node(second)
    out, err = driver.communicate(timeout=600)
    assert driver.returncode == 0, err
    final = rows(job)
    assert len(final) == 8  # every trial, each exactly once (the store's key is the trial id)
    assert {d.name for d in (job / "trials").iterdir()} == set(final)
    assert sorted(r["reward"] for r in final.values()) == [0.0] + [1.0] * 7
    assert len(re.findall(r"slow-\d", out)) == 8  # one line per trial, none twice
