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
from agentindex.runner.execute import FinishedTrial, execute_trial
from agentindex.runner.executors.artifacts import Packed, pack, unpack
from agentindex.runner.plan import TrialOptions, TrialPlan, TrialSettings, agent_for
from agentindex.runner.verifier_tools import provide_or_none
from agentindex.sandbox import Backend, get_backend
from agentindex.sandbox.cleanup import PREFIX, owner_alive, owner_id
from agentindex.tasks.judge import judge_spec
from agentindex.tasks.loader import task_digest
from agentindex.tasks.model import Task

# Where a node keeps what the Ray executor needs: task copies (by content digest) and each
# worker process's working space; default the cache's ray/. AGENTINDEX_RAY_DIR moves it (e.g. to
# a big local disk).
RAY_DIR_ENV = "AGENTINDEX_RAY_DIR"
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
    _remove_dead_workspaces(root / "work")
    work = root / "work" / f"{PREFIX}-{owner_id()}-{secrets.token_hex(4)}"
    try:
        task = materialize(request.plan.task, request.task_blob, root / "tasks")
        plan = dataclasses.replace(request.plan, task=task)
        settings = TrialSettings(
            job=request.job, backend=node_backend(request.backend), scratch=work / "scratch",
            agent_cache=CACHE, options=request.options, environ=dict(os.environ),
            node_id=node_id)
        finished = asyncio.run(_execute(plan, settings, work / "staging"))
        # The result names the task where the job read it, not this node's copy.
        result = finished.result.model_copy(update={"task_path": str(request.plan.task.path)})
        finished = _name_node(dataclasses.replace(finished, result=result))
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


def _remove_dead_workspaces(work_root: Path) -> None:
    """Workspaces of worker processes that are gone (killed with their job's driver, or with
    their node) are this node's to remove; a live worker's are never touched."""
    if not work_root.is_dir():
        return
    for d in work_root.iterdir():
        parts = d.name.split("-")
        if len(parts) == 3 and parts[0] == PREFIX and not owner_alive(parts[1]):
            shutil.rmtree(d, ignore_errors=True)
