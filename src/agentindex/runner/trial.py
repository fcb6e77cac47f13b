"""One try of one trial: sandbox up, agent, verifier, artifacts. Never raises for a trial's own
failure: every error becomes an error class on the outcome (the one broad ``except``)."""

from __future__ import annotations

import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from agentindex.agents import Agent, AgentContext, SelfReport, get_agent
from agentindex.errors import ErrorClass, TrialError, VerifierError
from agentindex.runner.patch import patch_base, save_patch
from agentindex.runner.variants import Variant
from agentindex.runner.verify import Verdict, read_reward
from agentindex.sandbox import Backend, Network, Sandbox, SandboxSpec
from agentindex.tasks.envsubst import resolve_env
from agentindex.tasks.model import Task, TaskKind


@dataclass(frozen=True)
class TrialPlan:
    trial_id: str
    variant: Variant
    task: Task
    benchmark: str
    attempt: int


@dataclass(frozen=True)
class TrialSettings:
    """Job-wide settings every trial shares."""

    job: str
    backend: Backend
    scratch: Path
    agent_cache: Path
    timeout_multiplier: float = 1.0
    environ: Mapping[str, str] | None = None


@dataclass
class TryOutcome:
    started_at: float
    finished_at: float = 0.0
    error_class: ErrorClass | None = None
    error_message: str | None = None
    verdict: Verdict | None = None
    agent_exit_code: int | None = None
    agent_timed_out: bool = False
    self_report: SelfReport | None = None
    env_s: float | None = None
    agent_s: float | None = None
    verify_s: float | None = None

    def fail(self, error: ErrorClass, message: str) -> None:
        """Record an error; a later, graver one (no reward at all) replaces an agent error."""
        if self.error_class is None or error not in (ErrorClass.AGENT_TIMEOUT,
                                                     ErrorClass.AGENT_CRASH):
            self.error_class, self.error_message = error, message


def agent_for(variant: Variant) -> Agent:
    return get_agent(f"{variant.agent}@{variant.agent_version}" if variant.agent_version
                     else variant.agent)


def network_for(task: Task, agent: Agent) -> Network:
    if agent.uses_model:
        return Network.HOST  # the gateway is on the host's loopback
    allowed = task.config.environment.allow_internet
    return Network.NONE if allowed is False else Network.HOST


async def run_try(plan: TrialPlan, settings: TrialSettings, art: Path, try_no: int) -> TryOutcome:
    out = TryOutcome(started_at=time.time())
    art.mkdir(parents=True, exist_ok=True)
    try:
        await _run(plan, settings, art, try_no, out)
    except TrialError as e:
        out.fail(e.error_class, str(e))
    except Exception as e:  # the trial boundary: our own bug, recorded, never lost
        out.fail(ErrorClass.INTERNAL, f"{type(e).__name__}: {e}")
        (art / "error.txt").write_text(traceback.format_exc())
    out.finished_at = time.time()
    return out


async def _run(plan: TrialPlan, settings: TrialSettings, art: Path, try_no: int,
               out: TryOutcome) -> None:
    task, agent = plan.task, agent_for(plan.variant)
    await agent.install(settings.agent_cache)
    network = network_for(task, agent)
    settings.backend.check(task, network)
    env = resolve_env(task.config.environment.env, settings.environ or {}, file=task.toml_path,
                      section="environment.env")
    spec = SandboxSpec(task=task, job=settings.job, trial_id=plan.trial_id,
                       scratch=settings.scratch / f"{plan.trial_id}-{try_no}", network=network,
                       env=env)
    t0 = time.monotonic()
    async with settings.backend.sandbox(spec) as sandbox:
        try:
            base = await patch_base(sandbox, task, art / "setup") \
                if task.kind is TaskKind.PATCH else None
            out.env_s = time.monotonic() - t0
            await _agent_phase(plan, settings, agent, sandbox, art, out)
            if base is not None:
                await save_patch(sandbox, base, art / "model.patch", art / "setup")
            await _verify_phase(task, settings, sandbox, art, out)
        finally:
            await sandbox.get("/logs/agent", art / "agent")
            await sandbox.get("/logs/verifier", art / "verifier")
    if out.verify_s is not None and out.error_class is not ErrorClass.VERIFIER_TIMEOUT:
        try:
            out.verdict = read_reward(art / "verifier")
        except VerifierError as e:
            out.fail(e.error_class, str(e))


async def _agent_phase(plan: TrialPlan, settings: TrialSettings, agent: Agent, sandbox: Sandbox,
                       art: Path, out: TryOutcome) -> None:
    timeout = plan.task.config.agent.timeout_sec * settings.timeout_multiplier
    ctx = AgentContext(task=plan.task, sandbox=sandbox, timeout_sec=timeout, logs=art / "agent",
                       model=plan.variant.model)
    t0 = time.monotonic()
    outcome = await agent.run(ctx)
    out.agent_s = time.monotonic() - t0
    out.agent_exit_code, out.agent_timed_out = outcome.result.exit_code, outcome.result.timed_out
    out.self_report = outcome.self_report
    if outcome.result.timed_out:
        out.fail(ErrorClass.AGENT_TIMEOUT, f"agent killed at its timeout of {timeout:g} s")
    elif outcome.result.exit_code != 0:
        out.fail(ErrorClass.AGENT_CRASH, f"agent exited with code {outcome.result.exit_code}")


async def _verify_phase(task: Task, settings: TrialSettings, sandbox: Sandbox, art: Path,
                        out: TryOutcome) -> None:
    """Tests go in only now; test.sh's exit code is ignored: the reward file decides."""
    env = resolve_env(task.config.verifier.env, settings.environ or {}, file=task.toml_path,
                      section="verifier.env")
    timeout = task.config.verifier.timeout_sec * settings.timeout_multiplier
    await sandbox.put(task.tests_dir, "/tests")
    t0 = time.monotonic()
    result = await sandbox.exec(["bash", "/tests/test.sh"], env=env, timeout=timeout,
                                stdout=art / "verifier" / "test-stdout.txt",
                                stderr=art / "verifier" / "test-stderr.txt")
    out.verify_s = time.monotonic() - t0
    if result.timed_out:
        out.fail(ErrorClass.VERIFIER_TIMEOUT, f"tests/test.sh killed at its timeout of "
                                              f"{timeout:g} s")
