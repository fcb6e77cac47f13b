"""``agentindex cluster check``: what each node of a Ray cluster can do, asked of the node itself.

Per node: whether each sandbox backend it advertises really runs a sandbox there, its free
resources, the agents in its cache, whether a gateway started there answers, and which provider
key *variables* are set in its environment (names only; a value never leaves the node).
"""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import aiohttp

from agentindex.agents.install import CACHE
from agentindex.gateway import Gateway, ProvidersConfig
from agentindex.sandbox import BACKENDS, Network, SandboxSpec, get_backend
from agentindex.tasks.loader import load_task

PROBE_TIMEOUT_S = 600  # a container backend may build its probe image the first time


@dataclass(frozen=True)
class NodeReport:
    node_id: str
    host: str
    backends: dict[str, str]  # backend -> "ok" or why it cannot run a sandbox here
    agents: list[str]  # NAME@VERSION folders in the node's agent cache
    gateway: str  # "ok" or why the node's gateway did not answer
    keys: list[str]  # provider key variables set on the node (names only)
    resources: dict[str, float] = field(default_factory=dict)  # free now (filled by the driver)
    total: dict[str, float] = field(default_factory=dict)

    @property
    def problems(self) -> list[str]:
        bad = [f"backend {b}: {why}" for b, why in self.backends.items() if why != "ok"]
        return bad + ([f"gateway: {self.gateway}"] if self.gateway != "ok" else [])


def check_this_node(backends: list[str]) -> NodeReport:
    """Runs on the node (a Ray task pinned to it)."""
    import ray

    return NodeReport(
        node_id=ray.get_runtime_context().get_node_id(), host=socket.gethostname(),
        backends={b: asyncio.run(_probe_backend(b)) for b in backends},
        agents=sorted(d.name for d in CACHE.iterdir() if d.is_dir()) if CACHE.is_dir() else [],
        gateway=asyncio.run(_probe_gateway()),
        keys=sorted(s.key_env for s in ProvidersConfig.defaults().providers.values()
                    if s.key_env and os.environ.get(s.key_env)))


async def _probe_backend(name: str) -> str:
    """Start a sandbox of a minimal task and run ``true`` in it."""
    try:
        backend = get_backend(name)
        with tempfile.TemporaryDirectory(prefix="agentindex-probe-") as tmp:
            task = load_task(_probe_task(Path(tmp) / "probe"))
            backend.check(task, Network.NONE)
            spec = SandboxSpec(task=task, job="cluster-check", trial_id="probe",
                               scratch=Path(tmp) / "scratch", network=Network.NONE, env={})
            async with backend.sandbox(spec) as sandbox:
                out = Path(tmp) / "out"
                result = await sandbox.exec(["true"], env={}, timeout=PROBE_TIMEOUT_S,
                                            stdout=out, stderr=out)
            return "ok" if result.exit_code == 0 else f"`true` exited {result.exit_code}"
    except Exception as e:  # a report, not a crash: the node says what is wrong with it
        return f"{type(e).__name__}: {e}"


def _probe_task(path: Path) -> Path:
    (path / "environment").mkdir(parents=True)
    (path / "tests").mkdir()
    (path / "task.toml").write_text('version = "1.0"\n')
    (path / "instruction.md").write_text("Probe.\n")
    (path / "environment" / "Dockerfile").write_text(
        "FROM localhost/debian:bookworm\nWORKDIR /app\n")
    (path / "tests" / "test.sh").write_text("#!/bin/sh\necho 1 > /logs/verifier/reward.txt\n")
    return path


async def _probe_gateway() -> str:
    try:
        async with Gateway() as gateway, aiohttp.ClientSession() as session:
            route = gateway.open_trial("cluster-check", 1, model="scripted/text",
                                       sink=lambda record: None)
            body = {"model": "text", "messages": [{"role": "user", "content": "ping"}]}
            async with session.post(route.base_url + "/v1/chat/completions", json=body,
                                    timeout=aiohttp.ClientTimeout(total=30)) as resp:
                return "ok" if resp.status == 200 else f"HTTP {resp.status}"
    except Exception as e:
        return f"{type(e).__name__}: {e}"


def check_cluster(ray: ModuleType, timeout_s: float = PROBE_TIMEOUT_S + 60) -> list[NodeReport]:
    """One check task pinned to each live node, in parallel; a node that cannot run it (its
    worker fails to start, e.g. agentindex is not installed there) is reported as such."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    nodes = [n for n in ray.nodes() if n.get("Alive")]
    check = ray.remote(check_this_node)
    refs = {n["NodeID"]: check.options(
        num_cpus=0, max_retries=0,
        scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)).remote(
            [b for b in BACKENDS if n["Resources"].get(f"sandbox_{b}")]) for n in nodes}
    free = _free_resources(ray)
    reports = []
    deadline = time.monotonic() + timeout_s
    for n in nodes:
        try:
            report: NodeReport = ray.get(refs[n["NodeID"]],
                                         timeout=max(1.0, deadline - time.monotonic()))
        except Exception as e:
            report = NodeReport(n["NodeID"], n.get("NodeManagerHostname", "?"), {}, [],
                                f"the node could not run its check: {type(e).__name__}: {e}",
                                [])
        reports.append(_with_resources(report, free.get(n["NodeID"], {}), n["Resources"]))
    return reports


def _free_resources(ray: ModuleType) -> dict[str, dict[str, Any]]:
    try:  # per-node free resources: only a private API says it (Ray 2.x)
        from ray._private.state import available_resources_per_node

        return dict(available_resources_per_node())
    except Exception:
        return {}


def _with_resources(report: NodeReport, free: dict[str, Any],
                    total: dict[str, Any]) -> NodeReport:
    return NodeReport(report.node_id, report.host, report.backends, report.agents,
                      report.gateway, report.keys, _plain(free), _plain(total))


def _plain(resources: dict[str, Any]) -> dict[str, float]:
    """Without Ray's per-node marker resources (``node:<ip>``)."""
    return {k: float(v) for k, v in resources.items() if not k.startswith("node:")}
