"""Harness trials run the way users run them, and read back the way reports read them.

``run_harnesses`` runs one job through :func:`agentindex.runner.job.run_job` with internet off:
the runner starts the gateway, gives each try its own route, runs each trial in a bwrap sandbox in
its own network namespace that reaches only the gateway, verifies, and commits rows to the job's
``results.sqlite`` and artifacts to ``trials/<id>/``. ``read_trials`` reads them back.

``probed(harness)`` is a test-only agent: the real harness adapter, then a reachability probe run
in the same sandbox, so the probe sees exactly the network the harness had.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from agentindex.agents import get_agent
from agentindex.agents.base import AgentContext, AgentOutcome, SelfReport
from agentindex.agents.install import Installed
from agentindex.runner.job import JobSpec, run_job
from agentindex.runner.plan import TrialOptions
from agentindex.runner.variants import expand_variants
from agentindex.sandbox import get_backend
from agentindex.store import Store
from agentindex.tasks.catalog import resolve_datasets
from agentindex.usage import Usage

PROBED = "+probe"  # suffix of a probed harness's registered name

# Runs in the sandbox after the harness, on the sandbox's python3; argv: the gateway's host, port.
PROBE = """
import socket, sys
out = open("/logs/agent/probe.txt", "w")
print("interfaces", sorted(l.split(":")[0].strip() for l in open("/proc/net/dev").readlines()[2:]),
      file=out)
targets = [("gateway", sys.argv[1], int(sys.argv[2]))] + [
    (host, host, 443) for host in ("1.1.1.1", "10.0.0.1", "api.anthropic.com")]
for name, host, port in targets:
    try:
        socket.create_connection((host, port), timeout=3).close()
        print("reached", name, file=out)
    except OSError as e:
        print("blocked", name, type(e).__name__, file=out)
"""


class Probed:
    """The real adapter of ``harness`` (install and run delegated), then :data:`PROBE` in the
    trial's sandbox, its findings in ``/logs/agent/probe.txt``."""

    harness: ClassVar[str]
    uses_model = True

    def __init__(self) -> None:
        self.inner = get_agent(self.harness)
        self.name = self.harness + PROBED

    @property
    def version(self) -> str | None:
        return self.inner.version

    @version.setter
    def version(self, value: str | None) -> None:  # get_agent('NAME@VERSION') sets it
        self.inner.version = value

    async def install(self, cache: Path) -> Installed | None:
        return await self.inner.install(cache)  # the harness's install is what the sandbox mounts

    async def run(self, ctx: AgentContext) -> AgentOutcome:
        outcome = await self.inner.run(ctx)
        assert ctx.base_url is not None
        gateway = urlsplit(ctx.base_url)
        assert gateway.hostname and gateway.port, ctx.base_url
        probe = await ctx.sandbox.exec(
            ["python3", "-c", PROBE, gateway.hostname, str(gateway.port)], env={}, timeout=30,
            stdout=ctx.logs / "probe-stdout.txt", stderr=ctx.logs / "probe-stderr.txt")
        if probe.exit_code != 0:
            raise RuntimeError(f"the network probe failed: {probe} (see probe-stderr.txt)")
        return outcome


def probed(harness: str) -> type[Probed]:
    """A :class:`Probed` class for ``harness``, to register as ``harness + PROBED``."""
    return type(f"Probed[{harness}]", (Probed,), {"harness": harness})


def run_harnesses(tasks: list[Path], agents: list[str], model: str, jobs: Path, *,
                  timeout_multiplier: float = 1.0, concurrency: int | None = None) -> Path:
    """Every agent x task in one job, ``concurrency`` trials at once (default: all), internet
    off; the job's directory."""
    spec = JobSpec(name="harnesses", jobs_dir=jobs,
                   selection=resolve_datasets([str(t) for t in tasks]),
                   variants=expand_variants(agents, [model]), attempts=1,
                   concurrency=concurrency or len(agents) * len(tasks),
                   backend=get_backend("bwrap"),
                   options=TrialOptions(timeout_multiplier=timeout_multiplier, internet=False))
    return asyncio.run(run_job(spec)).job_dir


@dataclass(frozen=True)
class Trial:
    """One committed trial: its ``trials`` row, its ``calls`` rows (every try, in order), and
    ``harness``, the agent its variant names (a probed one's harness)."""

    row: dict[str, Any]
    calls: list[dict[str, Any]]
    harness: str
    dir: Path

    @property
    def logs(self) -> Path:
        return self.dir / "agent"

    @property
    def self_report(self) -> SelfReport | None:
        report = self.row["self_report"]
        if report is None:
            return None
        return SelfReport(**{**report, "usage": Usage(**report["usage"])})

    @property
    def probe(self) -> list[str]:
        return (self.logs / "probe.txt").read_text().splitlines()


def call_usage(call: dict[str, Any]) -> Usage:
    """A ``calls`` row's usage columns as a :class:`Usage`."""
    return Usage(**{f.name: call[f.name] for f in fields(Usage)})


def read_trials(job_dir: Path) -> list[Trial]:
    """The job's trials as committed in its store."""
    store = Store.in_job(job_dir)
    try:
        agents = {v["variant_key"]: v["agent"] for v in store.rows("variants")}
        calls = sorted(store.rows("calls"), key=lambda c: (c["try_no"], c["seq"]))
        return [Trial(row, [c for c in calls if c["trial_id"] == row["trial_id"]],
                      agents[row["variant_key"]].removesuffix(PROBED),
                      job_dir / "trials" / row["trial_id"])
                for row in store.rows("trials")]
    finally:
        store.close()
