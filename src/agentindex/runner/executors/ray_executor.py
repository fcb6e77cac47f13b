"""The Ray executor: each trial is a Ray task, placed by the resources its task.toml asks for.

A trial asks for its task's CPUs and memory, plus a sliver of the custom resource
``sandbox_<backend>``, which only nodes that can run that sandbox backend advertise. It runs on
the node with that node's backend, agent cache and gateway (``ray_worker``). The job's machine
keeps the store (one writer): each trial comes back as its payload plus its packed artifacts and
is committed there with the same atomic protocol as a local trial.

Faults: a worker or node that dies mid-trial makes Ray run the task again elsewhere
(``max_retries``); only the one result that reaches the driver is committed. Ray is an optional
dependency, imported only when this executor runs.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from agentindex.errors import ConfigError
from agentindex.runner.execute import FinishedTrial
from agentindex.runner.executors.artifacts import pack, unpack
from agentindex.runner.executors.base import JobContext, TrialLost
from agentindex.runner.executors.ray_worker import TrialReply, TrialRequest, run_trial_on_worker
from agentindex.runner.plan import TrialPlan
from agentindex.tasks.model import Task

INSTALL_HINT = "the Ray executor needs Ray: pip install 'agentindex[ray]' (or pip install ray)"
DEFAULT_ARTIFACT_CAP_MB = 256
# A one-machine cluster started for a job: room for a few trials' artifacts in flight, not
# Ray's default of 30% of the machine's memory.
LOCAL_OBJECT_STORE_BYTES = 512 * 1024 * 1024
# A trial asks for this much of its backend's resource: it selects nodes, it does not count.
SANDBOX_SHARE = 0.001


def import_ray() -> ModuleType:
    try:
        import ray
    except ImportError:
        raise ConfigError("--executor ray", None, INSTALL_HINT) from None
    return ray


def sandbox_resource(backend: str) -> str:
    """The custom resource a node advertises when it can run ``backend`` (e.g. sandbox_bwrap)."""
    return f"sandbox_{backend}"


def task_resources(task: Task, backend: str) -> dict[str, Any]:
    """The Ray task options a trial of ``task`` asks for: its CPUs (1 when it names none), its
    memory when it names one, and the backend's resource."""
    env = task.config.environment
    options: dict[str, Any] = {"num_cpus": env.cpus or 1,
                               "resources": {sandbox_resource(backend): SANDBOX_SHARE}}
    if env.memory_limit_mb:
        options["memory"] = env.memory_limit_mb * 1024 * 1024
    return options


def connect(ray: ModuleType, address: str | None, backend: str) -> None:
    """Join the cluster at ``address`` (``auto``: the one running on this machine), or start a
    local one for this job when ``address`` is None."""
    if ray.is_initialized():
        return
    if address is None:
        ray.init(resources={sandbox_resource(backend): 1}, include_dashboard=False,
                 object_store_memory=LOCAL_OBJECT_STORE_BYTES, log_to_driver=False,
                 configure_logging=False)
    else:
        ray.init(address=address, log_to_driver=False, configure_logging=False)


def nodes_with(ray: ModuleType, resource: str) -> list[dict[str, Any]]:
    return [n for n in ray.nodes() if n.get("Alive") and n["Resources"].get(resource)]


@dataclass
class RayExecutor:
    """``address``: None starts a local cluster; ``auto`` joins the running one; else host:port
    (or ray://host:port)."""

    address: str | None = None
    artifact_cap_mb: int = DEFAULT_ARTIFACT_CAP_MB
    max_retries: int = 3  # Ray's re-runs of a trial whose worker or node died
    name: str = field(default="ray", init=False)

    @contextlib.asynccontextmanager
    async def session(self, job: JobContext) -> AsyncIterator[RayRunner]:
        if self.address is None:
            # Ray binds its servers to the machine's outward address unless told it is one
            # machine; a cluster it starts for one job serves on 127.0.0.1 only. Read at import.
            os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
        ray = import_ray()
        backend = job.backend.capabilities.name
        started_here = not ray.is_initialized()
        connect(ray, self.address, backend)
        try:
            if not nodes_with(ray, sandbox_resource(backend)):
                raise ConfigError("--executor ray", None, f"no node of the Ray cluster offers "
                                  f"{sandbox_resource(backend)}: start workers with "
                                  f"scripts/setup_ray_worker.sh --backend {backend}")
            yield RayRunner(ray, job, self.artifact_cap_mb * 1024 * 1024, self.max_retries)
        finally:
            if started_here:
                ray.shutdown()


class RayRunner:
    def __init__(self, ray: ModuleType, job: JobContext, cap_bytes: int, retries: int) -> None:
        self.ray, self.job, self.cap_bytes = ray, job, cap_bytes
        self.backend = job.backend.capabilities.name
        self.remote = ray.remote(run_trial_on_worker)
        self.retries = retries
        # names this job wherever its trials run: a worker keeps the calls a dead predecessor
        # of the same job staged (ray_worker.salvage_dead_workspaces)
        self.job_key = f"{socket.gethostname()}:{job.job_dir.resolve()}"
        self._blobs: dict[str, Any] = {}

    def request(self, plan: TrialPlan) -> TrialRequest:
        """What is sent for ``plan``: the plan, a reference to its task's files, and job
        settings. Built from the job's config only; never from this process's environment."""
        task = plan.task
        if task.digest not in self._blobs:  # once per task, however many trials it has
            self._blobs[task.digest] = self.ray.put(pack(task.path))
        return TrialRequest(plan=plan, task_blob=[self._blobs[task.digest]], job=self.job.name,
                            job_key=self.job_key, backend=self.backend,
                            artifact_cap_bytes=self.cap_bytes, options=self.job.options)

    async def run(self, plan: TrialPlan, staging: Path) -> FinishedTrial:
        ref = self.remote.options(max_retries=self.retries, retry_exceptions=False,
                                  **task_resources(plan.task, self.backend)).remote(
            self.request(plan))
        try:
            reply: TrialReply = await ref
        except self.ray.exceptions.RayError as e:
            raise TrialLost(f"the Ray task failed: {_first_line(e)}") from None
        unpack(reply.artifacts, staging)
        return reply.finished


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
