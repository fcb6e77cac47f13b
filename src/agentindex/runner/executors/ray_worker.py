"""The worker side of the Ray executor: one trial on the node that took it.

The trial runs with the node's own sandbox backend, agent cache and gateway; the gateway reads
provider keys from the node's own environment, so keys never travel in a task's arguments or its
result. Imported by Ray worker processes (by reference, from the installed package); nothing here
imports Ray at module level.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import os
import secrets
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentindex.agents.install import CACHE
from agentindex.errors import ConfigError, ErrorClass
from agentindex.gateway import Gateway
from agentindex.paths import cache_dir
from agentindex.results import CallRecord
from agentindex.runner.execute import FinishedTrial, execute_trial
from agentindex.runner.executors.artifacts import Packed, pack, unpack
from agentindex.runner.plan import TrialOptions, TrialPlan, TrialSettings, agent_for
from agentindex.runner.salvage import staged_call_files, staged_calls
from agentindex.runner.verifier_tools import provide_or_none
from agentindex.sandbox import Backend, get_backend
from agentindex.sandbox.cleanup import PREFIX, owner_id, stale
from agentindex.tasks.judge import judge_spec
from agentindex.tasks.loader import task_digest
from agentindex.tasks.model import Task

# Where a node keeps what the Ray executor needs: task copies (by content digest) and each
# worker process's working space; default the cache's ray/. AGENTINDEX_RAY_DIR moves it (e.g. to
# a big local disk).
RAY_DIR_ENV = "AGENTINDEX_RAY_DIR"
# In each worker's workspace: the job it works for (``RayRunner.job_key``).
JOB_FILE = "job.json"
# Infrastructure errors name the node, so a node whose backend or agent install fails is found.
NODE_ERRORS = (ErrorClass.SANDBOX, ErrorClass.INSTALL)


@dataclass(frozen=True)
class TrialRequest:
    """Everything a worker is sent for one trial. No environment and no key: what a trial needs
    of those comes from the node it runs on."""

    plan: TrialPlan  # its task's path is the job machine's; the worker uses its own copy
    task_blob: list[Any]  # [ObjectRef of the task's .tar.gz]; nested, so Ray fetches it only
    #                       when the node has no copy yet
    job: str
    job_key: str  # the job's identity across runs and nodes (RayRunner.job_key)
    backend: str
    artifact_cap_bytes: int
    options: TrialOptions  # the job's: its providers name key variables, never a key


@dataclass(frozen=True)
class TrialReply:
    """What a worker sends back: the committed-trial payload and the trial's artifacts."""

    finished: FinishedTrial
    artifacts: Packed


def ray_dir() -> Path:
    return Path(os.environ.get(RAY_DIR_ENV) or cache_dir("ray"))


@functools.cache
def node_backend(name: str) -> Backend:
    """One backend object per worker process, so its once-per-process work (e.g. removing
    what dead owners left behind) is done once."""
    return get_backend(name)


def run_trial_on_worker(request: TrialRequest) -> TrialReply:
    """The Ray task: the trial's tries on this node, its artifacts packed for the job's machine."""
    import ray

    node_id = ray.get_runtime_context().get_node_id()
    root = ray_dir()
    work = root / "work" / f"{PREFIX}-{owner_id()}-{secrets.token_hex(4)}"
    try:
        work.mkdir(parents=True)
        (work / JOB_FILE).write_text(json.dumps({"job": request.job_key}) + "\n")
        interrupted = salvage_dead_workspaces(root / "work", work, request.job_key)
        task = materialize(request.plan.task, request.task_blob, root / "tasks")
        plan = dataclasses.replace(request.plan, task=task)
        settings = TrialSettings(
            job=request.job, backend=node_backend(request.backend), scratch=work / "scratch",
            agent_cache=CACHE, options=request.options, environ=dict(os.environ),
            node_id=node_id)
        finished = asyncio.run(_execute(plan, settings, work / "staging"))
        # The result names the task where the job read it, not this node's copy.
        result = finished.result.model_copy(update={"task_path": str(request.plan.task.path)})
        finished = _name_node(dataclasses.replace(finished, result=result,
                                                  interrupted=interrupted))
        return TrialReply(finished, pack(work / "staging", request.artifact_cap_bytes))
    finally:
        shutil.rmtree(work, ignore_errors=True)


async def _execute(plan: TrialPlan, settings: TrialSettings, staging: Path) -> FinishedTrial:
    options = settings.options
    if options.verifier_tools:  # this node's own tools and package cache
        pythons = frozenset({plan.verifier_python} if plan.verifier_python else ())
        settings = dataclasses.replace(
            settings, tools=await provide_or_none(settings.agent_cache, pythons))
    async with contextlib.AsyncExitStack() as stack:
        if agent_for(plan.variant).uses_model or judge_spec(plan.task):  # this node's gateway
            #                                                   and this node's keys
            gateway = await stack.enter_async_context(
                Gateway(options.providers, trajectory_max_text=options.trajectory_max_text))
            settings = dataclasses.replace(settings, gateway=gateway)
        return await execute_trial(plan, settings, staging)


def _name_node(finished: FinishedTrial) -> FinishedTrial:
    result = finished.result
    if result.error_class not in NODE_ERRORS:
        return finished
    message = f"on node {socket.gethostname()} ({result.node_id}): {result.error_message}"
    return dataclasses.replace(finished,
                               result=result.model_copy(update={"error_message": message}))


def materialize(task: Task, blob: list[Any], tasks_root: Path) -> Task:
    """This node's copy of ``task``, unpacked once per content digest (checked) and kept."""
    home = tasks_root / task.digest
    if not home.is_dir():
        import ray

        tmp = tasks_root / f".{task.digest}-{owner_id()}-{secrets.token_hex(4)}"
        try:
            unpack(ray.get(blob[0]), tmp / task.path.name)
            got = task_digest(tmp / task.path.name)
            if got != task.digest:
                raise ConfigError(task.path, None, f"the copy sent to node {socket.gethostname()}"
                                  f" has digest {got}, not {task.digest}")
            with contextlib.suppress(OSError):  # another worker of this node was first
                tmp.rename(home)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return dataclasses.replace(task, path=home / task.path.name)


def salvage_dead_workspaces(work_root: Path, mine: Path, job_key: str) -> list[CallRecord]:
    """Workspaces of worker processes that are gone (killed with their job's driver, or on
    their own) are this node's to clear; a live worker's are never touched. One of this job may
    hold the calls a try staged before its worker died: billed, and never committed with their
    trial. It is moved into ``mine`` — an atomic claim, so two workers never both take it, and
    if this worker dies too its own workspace carries it on — and its staged calls are returned
    for the job to keep as spend. Another job's is removed."""
    found: list[CallRecord] = []
    if not work_root.is_dir():
        return found
    for d in work_root.iterdir():
        if d == mine or not stale(d.name):
            continue
        if _job_of(d) != job_key:
            shutil.rmtree(d, ignore_errors=True)
            continue
        claimed = mine / "salvaged" / d.name
        claimed.parent.mkdir(exist_ok=True)
        try:
            d.rename(claimed)
        except OSError:  # another worker of this node claimed it first
            continue
        found += [c for f in _staged_call_files(claimed) for c in staged_calls(f)]
    return found


def _job_of(workspace: Path) -> str | None:
    try:
        return str(json.loads((workspace / JOB_FILE).read_text())["job"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _staged_call_files(workspace: Path) -> list[Path]:
    """A workspace's staged ``calls.jsonl`` files (the trial's, each try's), and those of the
    workspaces it had claimed itself."""
    files = staged_call_files(workspace / "staging")
    for nested in sorted((workspace / "salvaged").glob("*")):
        files += _staged_call_files(nested)
    return files
