"""Executors without a cluster: what a Ray trial asks for, what travels, the registry."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path

import pytest

from agentindex.errors import ConfigError
from agentindex.runner.executors import LocalExecutor, RayExecutor, get_executor
from agentindex.runner.executors.artifacts import CAPPED_FILE, pack, unpack
from agentindex.runner.executors.ray_executor import task_resources
from agentindex.store import Store
from agentindex.tasks.loader import load_task
from tests.conftest import write_task


def test_pack_and_unpack_keep_every_file_and_empty_dirs(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "agent" / "empty").mkdir(parents=True)
    (src / "agent" / "out.txt").write_text("hello\n")
    (src / "calls.jsonl").write_bytes(b'{"seq": 1}\n')
    packed = pack(src)
    assert packed.dropped == {} and packed.raw_bytes == 17
    unpack(packed, tmp_path / "dst")
    assert (tmp_path / "dst" / "agent" / "out.txt").read_text() == "hello\n"
    assert (tmp_path / "dst" / "agent" / "empty").is_dir()
    assert not (tmp_path / "dst" / CAPPED_FILE).exists()


def test_the_cap_leaves_the_largest_files_behind_and_says_so(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "small.txt").write_bytes(b"a" * 100)
    (src / "medium.txt").write_bytes(b"b" * 1000)
    (src / "big.bin").write_bytes(b"c" * 100_000)
    packed = pack(src, cap_bytes=2000)
    assert packed.dropped == {"big.bin": 100_000} and packed.raw_bytes == 1100
    unpack(packed, tmp_path / "dst")
    assert sorted(p.name for p in (tmp_path / "dst").iterdir()) == [
        CAPPED_FILE, "medium.txt", "small.txt"]
    assert json.loads((tmp_path / "dst" / CAPPED_FILE).read_text()) == {
        "cap_bytes": 2000, "kept_bytes": 1100, "dropped": {"big.bin": 100_000}}


def test_a_trial_asks_for_its_tasks_cpus_memory_and_backend(tmp_path: Path) -> None:
    toml = '[environment]\ncpus = 2\nmemory = "3G"\n'
    task = load_task(write_task(tmp_path, "t", toml=toml))
    assert task_resources(task, "container") == {
        "num_cpus": 2, "memory": 3 * 1024**3, "resources": {"sandbox_container": 0.001}}
    bare = load_task(write_task(tmp_path, "u", toml='version = "1.0"\n'))
    assert task_resources(bare, "bwrap") == {"num_cpus": 1,
                                             "resources": {"sandbox_bwrap": 0.001}}


def test_executor_registry() -> None:
    assert isinstance(get_executor("local"), LocalExecutor)
    ray = get_executor("ray", "auto")
    assert isinstance(ray, RayExecutor) and ray.address == "auto"
    with pytest.raises(ConfigError, match="unknown executor 'slurm'"):
        get_executor("slurm")
    with pytest.raises(ConfigError, match="only the ray executor"):
        get_executor("local", "auto")


NEW_TRIAL_COLUMNS = ("self_report_error", "limits_not_enforced", "host", "node_id", "judge_model",
                     "answer_extracted", "suspected_leaks", "refused_tool_calls",
                     "environment")


def test_a_version_2_store_gains_the_new_columns(tmp_path: Path) -> None:
    store = Store.in_job(tmp_path)
    store.close()
    db = tmp_path / "results.sqlite"
    with sqlite3.connect(db) as c:  # as version 2 made it
        for column in NEW_TRIAL_COLUMNS:
            c.execute(f"alter table trials drop column {column}")
        c.execute("alter table calls drop column phase")
        c.execute("alter table calls drop column queue_s")
        c.execute("alter table calls drop column trajectory_line")
        c.execute("drop table interrupted_calls")
        c.execute("drop table superseded_calls")
        c.execute("update meta set value = '2' where key = 'schema_version'")
    store = Store.in_job(tmp_path)
    try:
        assert store.get_meta("schema_version") == 11
    finally:
        store.close()
    with sqlite3.connect(db) as c:
        columns = [r[1] for r in c.execute("pragma table_info(trials)")]
        call_columns = [r[1] for r in c.execute("pragma table_info(calls)")]
    assert columns[-len(NEW_TRIAL_COLUMNS):] == list(NEW_TRIAL_COLUMNS)
    assert call_columns[-3:] == ["phase", "queue_s", "trajectory_line"]
    again = Store.in_job(tmp_path)  # migrated once: opening it again changes nothing
    assert again.get_meta("schema_version") == 11
    again.close()


def test_a_nodes_infrastructure_error_names_the_node() -> None:
    from agentindex.runner.execute import FinishedTrial
    from agentindex.runner.executors.ray_worker import _name_node
    from tests.unit.report.jobstore import trial, variant

    v = variant("Oracle", "oracle", None)
    failed = trial(v, "t", reward=None, error_class="install").model_copy(
        update={"error_message": "npm install failed", "node_id": "abc123"})
    named = _name_node(FinishedTrial(failed, [])).result.error_message
    assert named == f"on node {socket.gethostname()} (abc123): npm install failed"
    clean = trial(v, "t")
    assert _name_node(FinishedTrial(clean, [])).result == clean


async def test_a_backend_that_cannot_run_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from agentindex.runner.executors.ray_nodes import NodeReport, _probe_backend

    monkeypatch.setenv("PATH", "/nonexistent")  # a node without bwrap (nor `ip`)
    why = await _probe_backend("bwrap")
    assert why != "ok" and ("bubblewrap is not installed" in why or "'ip'" in why)
    report = NodeReport("n1", "host-a", {"bwrap": why}, [], "ok", [])
    assert report.problems == [f"backend bwrap: {why}"]


def test_a_worker_claims_its_jobs_dead_workspaces_and_returns_their_staged_calls(
        tmp_path: Path) -> None:
    """What a dead worker of this job staged comes back as spend (its tries' calls, and those
    of workspaces it had claimed itself); another job's dead workspace is removed; a live
    worker's is left alone."""
    from agentindex.results import CallRecord
    from agentindex.runner.executors.ray_worker import JOB_FILE, salvage_dead_workspaces
    from agentindex.sandbox.cleanup import PREFIX, owner_id

    def record(trial: str, seq: int) -> CallRecord:
        return CallRecord(trial_id=trial, try_no=1, seq=seq, protocol="anthropic",
                          provider="anthropic", model="m", started_at=1000.0 + seq, status=200,
                          input=10 * seq, output=seq, tools_offered=True)

    def workspace(owner: str, job: str, staged: dict[str, list[CallRecord]]) -> Path:
        d = work / f"{PREFIX}-{owner}-{len(list(work.iterdir())):08x}"
        d.mkdir()
        (d / JOB_FILE).write_text(json.dumps({"job": job}))
        for rel, records in staged.items():
            (d / rel).parent.mkdir(parents=True, exist_ok=True)
            (d / rel).write_text("".join(r.to_json() + "\n" for r in records))
        return d

    work = tmp_path / "work"
    work.mkdir()
    dead = "999999999.1"  # no such process
    mine = workspace(owner_id(), "host:/jobs/j", {})
    first = workspace(dead, "host:/jobs/j", {"staging/tries/1/calls.jsonl": [record("a", 1)],
                                             "staging/tries/2/calls.jsonl": [record("a", 2)]})
    # a dead worker that had itself claimed a dead workspace before it got to reply
    chain = workspace(dead, "host:/jobs/j", {"staging/tries/1/calls.jsonl": [record("b", 1)]})
    (chain / "salvaged" / "x" / "staging").mkdir(parents=True)
    (chain / "salvaged" / "x" / "staging" / "calls.jsonl").write_text(record("c", 1).to_json())
    other = workspace(dead, "host:/jobs/other", {"staging/calls.jsonl": [record("z", 1)]})
    alive = workspace(owner_id(), "host:/jobs/other", {"staging/calls.jsonl": [record("y", 1)]})

    found = salvage_dead_workspaces(work, mine, "host:/jobs/j")
    assert sorted((c.trial_id, c.seq, c.input) for c in found) == [
        ("a", 1, 10), ("a", 2, 20), ("b", 1, 10), ("c", 1, 10)]
    assert sorted(p.name for p in work.iterdir()) == sorted([mine.name, alive.name])
    assert sorted(p.name for p in (mine / "salvaged").iterdir()) == sorted([first.name,
                                                                            chain.name])
    assert not other.exists()
    assert salvage_dead_workspaces(work, mine, "host:/jobs/j") == []  # claimed once
