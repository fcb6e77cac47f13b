"""One trial of a real harness, the way the runner runs it: a bwrap sandbox whose network namespace
reaches only the gateway (served inside it on 127.0.0.1), the harness installed in the cache and
bound read-only, a trial route on the real gateway with a ``scripted/*`` model, then the
verifier."""

from __future__ import annotations

import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

from agentindex.agents import get_agent
from agentindex.agents.base import AgentContext, SelfReport
from agentindex.agents.install import SANDBOX_ROOT
from agentindex.gateway import CallRecord, Gateway, ScriptedContext
from agentindex.runner.patch import patch_base, save_patch
from agentindex.runner.verify import read_reward
from agentindex.sandbox import Network, Sandbox, SandboxSpec
from agentindex.sandbox.bwrap import BwrapBackend
from agentindex.sandbox.netns import NetNamespace, serve_in
from agentindex.tasks.loader import load_task
from agentindex.tasks.model import Task, TaskKind
from agentindex.usage import Usage

CACHE = Path.home() / ".cache" / "agentindex" / "agents"


@dataclass
class TrialRun:
    reward: float | None
    exit_code: int | None
    timed_out: bool
    self_report: SelfReport | None
    calls: list[CallRecord]
    install_s: float
    agent_s: float
    logs: Path
    pings: list[str] = field(default_factory=list)

    @property
    def ok_calls(self) -> list[CallRecord]:
        return [c for c in self.calls if c.status == 200]

    def usage(self) -> Usage:
        return sum((c.usage for c in self.calls), Usage())


async def run_trial(gateway: Gateway, agent_spec: str, task_dir: Path, model: str, out: Path, *,
                    timeout: float | None = None,
                    settings: dict[str, object] | None = None) -> TrialRun:
    task = load_task(task_dir)
    agent = get_agent(agent_spec)
    t0 = time.monotonic()
    await agent.install(CACHE)
    install_s = time.monotonic() - t0
    calls: list[CallRecord] = []
    solution = (task.solution_dir / "solve.sh").read_text()
    route = gateway.open_trial(out.name, 1, model=model, sink=calls.append,
                               scripted=ScriptedContext(solution, task.instruction))
    backend = BwrapBackend()
    async with AsyncExitStack() as stack:
        ns = await stack.enter_async_context(NetNamespace())
        port = await stack.enter_async_context(serve_in(ns.path, gateway._runner))  # type: ignore[arg-type]
        base_url = f"http://127.0.0.1:{port}/t/{route.token}"
        spec = SandboxSpec(task=task, job="agents", trial_id=out.name, scratch=out / "scratch",
                           network=Network.GATEWAY, env={}, netns=ns.path,
                           ro_mounts={SANDBOX_ROOT: CACHE})
        sandbox = await stack.enter_async_context(backend.sandbox(spec))
        base = await patch_base(sandbox, task, out / "setup") \
            if task.kind is TaskKind.PATCH else None
        ctx = AgentContext(task=task, sandbox=sandbox, timeout_sec=timeout or 300.0,
                           logs=out / "agent", model=model, base_url=base_url,
                           api_key=route.token, settings=settings or {})
        t1 = time.monotonic()
        outcome = await agent.run(ctx)
        agent_s = time.monotonic() - t1
        gateway.close_trial(route.token)
        if base is not None:
            await save_patch(sandbox, base, out / "model.patch", out / "setup")
        pings = await _reachability(sandbox, out)
        reward = await _verify(task, sandbox, out)
    return TrialRun(reward, outcome.result.exit_code, outcome.result.timed_out,
                    outcome.self_report, calls, install_s, agent_s, out / "agent", pings)


async def _verify(task: Task, sandbox: Sandbox, out: Path) -> float | None:
    await sandbox.put(task.tests_dir, "/tests")
    await sandbox.exec(["bash", "/tests/test.sh"], env={}, timeout=120,
                       stdout=out / "verifier" / "stdout.txt",
                       stderr=out / "verifier" / "stderr.txt")
    await sandbox.get("/logs/verifier", out / "verifier")
    return read_reward(out / "verifier").reward


PROBE = """
import socket
print("interfaces", sorted(l.split(":")[0].strip() for l in open("/proc/net/dev").readlines()[2:]))
for host in ("1.1.1.1", "10.0.0.1", "api.anthropic.com"):
    try:
        socket.create_connection((host, 443), timeout=3).close()
        print("reached", host)
    except OSError as e:
        print("blocked", host, type(e).__name__)
"""


async def _reachability(sandbox: Sandbox, out: Path) -> list[str]:
    """What the sandbox's network lets through, as the sandbox sees it."""
    await sandbox.exec(["python3", "-c", PROBE], env={}, timeout=30,
                       stdout=out / "probe.txt", stderr=out / "probe.txt")
    return (out / "probe.txt").read_text().splitlines()
