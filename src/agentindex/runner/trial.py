"""One try of one trial: sandbox up, agent, verifier, artifacts. Never raises for a trial's own
failure: every error becomes an error class on the outcome (the one broad ``except``)."""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import time
import traceback
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentindex import failpoints
from agentindex.agents import Agent, AgentContext, AgentOutcome, SelfReport
from agentindex.agents.install import DONE
from agentindex.errors import (
    ConfigError,
    ErrorClass,
    TrialError,
    UnsupportedBySandbox,
    VerifierError,
)
from agentindex.gateway import CallRecord
from agentindex.results.call import CLIENT_LEFT, ENDED_IN_FLIGHT
from agentindex.runner.answers import extract_answer
from agentindex.runner.history import Leak, future_commits, harness_commands, leaks_in
from agentindex.runner.judging import judge_env, judge_model_for, judge_problem
from agentindex.runner.metering import Metering, metered
from agentindex.runner.patch import patch_base, save_patch, seal_history
from agentindex.runner.plan import TrialPlan, TrialSettings, agent_for, network_for
from agentindex.runner.separate import keep_artifacts, restore_artifacts, run_collect_hooks
from agentindex.runner.verifier_tools import fill_python, python_mount
from agentindex.runner.verify import Verdict, check_verdict, read_reward
from agentindex.sandbox import Network, Sandbox, SandboxSpec
from agentindex.sandbox.base import Limits
from agentindex.sandbox.internet import internet_allowed
from agentindex.sandbox.limits import (
    fit_limits,
    limits_for,
    machine_resources,
    refusal,
    unenforced_limits,
)
from agentindex.sandbox.netns import NetNamespace
from agentindex.tasks.envsubst import resolve_env
from agentindex.tasks.model import Task, TaskKind

if TYPE_CHECKING:
    from agentindex.gateway import Gateway

# The agent could write to /logs/verifier too: a reward it planted must not pass for the
# verifier's. So the verifier's command first removes (and names, on stderr) what is there, then
# becomes tests/test.sh: one sandboxed command, not two, in POSIX sh (starts faster than bash).
VERIFY_SCRIPT = """for f in /logs/verifier/* /logs/verifier/.[!.]* /logs/verifier/..?*; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  echo "agentindex: removed before verification: $f" >&2
  rm -rf -- "$f"
done
exec bash /tests/test.sh"""


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
    self_report_error: str | None = None
    limits_not_enforced: tuple[str, ...] = ()  # the task's limits the backend could not enforce
    install_s: float | None = None
    env_s: float | None = None
    agent_s: float | None = None
    verify_s: float | None = None
    calls: list[CallRecord] = field(default_factory=list)  # the agent's, then the grading ones
    judge_model: str | None = None
    answer_extracted: bool = False
    leaks: list[Leak] | None = None  # None: no command log to check (not measured)
    refused_tool_calls: int | None = None  # None: no trajectory captured
    environment: dict[str, Any] = field(default_factory=dict)  # image, stand-in, clamps

    def fail(self, error: ErrorClass, message: str) -> None:
        """Record an error; a later, graver one (no reward at all) replaces an agent error."""
        if self.error_class is None or error not in (ErrorClass.AGENT_TIMEOUT,
                                                     ErrorClass.AGENT_CRASH):
            self.error_class, self.error_message = error, message


def _check_shared_network(task: Task, network: Network, internet: bool | None) -> None:
    """A shared environment keeps one network for both phases: refuse a verifier that must have
    none where the agent's phase has the host's (it could not be enforced)."""
    verifier = internet_allowed(task, "verifier", internet)
    if not task.config.verifier.separate and verifier is False and network is Network.HOST:
        raise UnsupportedBySandbox(
            f"{task.toml_path}: verifier.network_mode: the verifier must have no network but "
            "shares the agent's environment, which has it; a shared environment cannot change "
            "its network between phases (use environment_mode = \"separate\")")


def verifier_network(task: Task, internet: bool | None = None) -> Network:
    """A separate verifier's network: none when its phase (or the run) says no internet."""
    return Network.NONE if internet_allowed(task, "verifier", internet) is False else Network.HOST


async def run_try(plan: TrialPlan, settings: TrialSettings, art: Path, try_no: int) -> TryOutcome:
    out = TryOutcome(started_at=time.time())
    art.mkdir(parents=True, exist_ok=True)
    try:
        await _run(plan, settings, art, try_no, out)
    except TrialError as e:
        out.fail(e.error_class, str(e))
    except ConfigError as e:  # one only this trial could find (a harness's own requirement)
        out.fail(ErrorClass.CONFIG, str(e))
    except Exception as e:  # the trial boundary: our own bug, recorded, never lost
        out.fail(ErrorClass.INTERNAL, f"{type(e).__name__}: {e}")
        (art / "error.txt").write_text(traceback.format_exc())
    out.finished_at = time.time()
    return out


async def _run(plan: TrialPlan, settings: TrialSettings, art: Path, try_no: int,
               out: TryOutcome) -> None:
    task, agent, options = plan.task, agent_for(plan.variant), settings.options
    t0 = time.monotonic()
    installed = await agent.install(settings.agent_cache)
    out.install_s = time.monotonic() - t0
    if installed is None:
        _check_nothing_installed(agent, settings.agent_cache)
    out.judge_model = judge_model_for(task, options.judge_model)
    network = network_for(task, agent, options.internet, out.judge_model is not None)
    settings.backend.check(task, network)
    fitted = fit_limits(limits_for(task), machine_resources(), clamp=options.clamp_resources)
    limits = fitted.limits
    if fitted.clamped:
        out.environment["clamped"] = fitted.clamped
    out.limits_not_enforced = check_limits(task, limits, settings)
    _check_shared_network(task, network, options.internet)
    env = resolve_env(task.config.environment.env, settings.environ or {}, file=task.toml_path,
                      section="environment.env")
    # The agent's own install only: not the other harnesses in the cache (gigabytes an agent's
    # `find /` or `grep -r /` would walk; the official environments hold one harness).
    cache = {installed.sandbox_path: installed.path} if installed is not None else {}
    tools = settings.tools
    rw: dict[str, Path] = {}
    if tools is not None:
        cache |= tools.ro_mounts
        rw = tools.rw_mounts
    async with AsyncExitStack() as stack:
        python = python_mount(tools, plan.verifier_python, _python_folder(settings, plan, try_no))
        cache |= python
        for folder in python.values():
            stack.callback(shutil.rmtree, folder, True)
        netns = (await stack.enter_async_context(NetNamespace())).path \
            if network is Network.GATEWAY else None
        spec = SandboxSpec(task=task, job=settings.job, trial_id=plan.trial_id,
                           scratch=settings.scratch / f"{plan.trial_id}-{try_no}",
                           network=network, env=env, limits=limits, netns=netns,
                           ro_mounts=cache, rw_mounts=rw)
        metering = None
        if agent.uses_model:
            metering = await stack.enter_async_context(
                _metered(plan, settings, try_no, art, netns))
            out.calls = metering.calls
        try:
            await _in_sandbox(plan, settings, agent, spec, art, out, metering, try_no)
        finally:
            if metering is not None:
                out.refused_tool_calls = metering.refused
    if task.config.verifier.separate:
        vspec = dataclasses.replace(
            spec, scratch=spec.scratch.with_name(spec.scratch.name + "-verifier"), verifier=True,
            network=verifier_network(task, options.internet), netns=None,
            limits=limits_for(task, verifier=True), ro_mounts={}, rw_mounts={})
        await _separate_verify(plan, settings, vspec, art, out, try_no)
    if out.verify_s is not None and out.error_class is not ErrorClass.VERIFIER_TIMEOUT:
        try:
            out.verdict = check_verdict(read_reward(art / "verifier", plan.score_key),
                                        art / "verifier", plan.expect)
        except VerifierError as e:
            out.fail(e.error_class, str(e))
        problem = judge_problem(art / "verifier") if out.judge_model else None
        if problem:
            out.verdict = None
            out.fail(ErrorClass.VERIFIER, problem)


def _check_nothing_installed(agent: Agent, cache: Path) -> None:
    """An agent whose ``install`` returned None gets nothing mounted; if it installed into the
    cache all the same (a plug-in written when ``install`` returned nothing), it would run
    without its install and fail every task: a config error, not a score."""
    found = sorted(p for p in cache.glob(f"{agent.name}@*") if (p / DONE).is_file())
    if found:
        raise ConfigError(f"agent {agent.name}", "install()", f"returned None, but {found[-1]} "
                          "is its install: return the Installed that ensure_installed() gives, "
                          "so the trial's sandbox mounts it (nothing else is mounted)")


def _python_folder(settings: TrialSettings, plan: TrialPlan, try_no: int) -> Path:
    """The host folder mounted at the verifier's Python prefix, filled when the verifier starts."""
    return settings.scratch / f"{plan.trial_id}-{try_no}-python"


def check_limits(task: Task, limits: Limits, settings: TrialSettings) -> tuple[str, ...]:
    """The task's limits the backend cannot enforce, when the run allows that; else raises."""
    caps = settings.backend.capabilities
    names = unenforced_limits(limits, caps)
    if names and not settings.options.allow_unenforced_limits:
        raise UnsupportedBySandbox(refusal(task, limits, caps, names))
    return names


def _metered(plan: TrialPlan, settings: TrialSettings, try_no: int, art: Path,
             netns: Path | None) -> contextlib.AbstractAsyncContextManager[Metering]:
    if settings.gateway is None or plan.variant.model is None:
        raise ConfigError("run", "--model", f"agent {plan.variant.agent} needs a model (-m)")
    trajectory = art / "trajectory.jsonl" if settings.options.trajectories else None
    return metered(settings.gateway, plan.trial_id, try_no, plan.variant.model, plan.task,
                   art / "calls.jsonl", netns, trajectory_file=trajectory)


async def _in_sandbox(plan: TrialPlan, settings: TrialSettings, agent: Agent, spec: SandboxSpec,
                      art: Path, out: TryOutcome, metering: Metering | None,
                      try_no: int) -> None:
    task = plan.task
    t0 = time.monotonic()
    async with settings.backend.sandbox(spec) as sandbox:
        # Backends that run images say which (``image_info``): recorded on every trial.
        out.environment |= getattr(sandbox, "image_info", None) or {}
        try:
            base = await patch_base(sandbox, task, art / "setup") \
                if task.kind is TaskKind.PATCH else None
            future: set[str] = set()
            if base is not None:
                if plan.seal_history:
                    await seal_history(sandbox, base, art / "setup")
                future = await future_commits(sandbox, base, art / "setup")
            out.env_s = time.monotonic() - t0
            await _agent_phase(plan, settings, agent, sandbox, art, out, metering, try_no)
            out.answer_extracted = await extract_answer(sandbox, task, out.self_report,
                                                        art / "setup")
            if base is not None:
                await _check_leaks(sandbox, base, future, art, out,
                                   metering.commands if metering else None)
                await save_patch(sandbox, base, art / "model.patch", art / "setup")
            if task.config.verifier.separate:  # extract the work; grading happens elsewhere
                await run_collect_hooks(sandbox, task, art / "setup",
                                        settings.options.timeout_multiplier)
                await keep_artifacts(sandbox, task, art / "artifacts")
            else:
                await _verify_phase(plan, settings, sandbox, art, out, try_no, spec.netns)
        finally:
            await sandbox.get("/logs/agent", art / "agent")
            if not task.config.verifier.separate:
                await sandbox.get("/logs/verifier", art / "verifier")


async def _check_leaks(sandbox: Sandbox, base: str, future: set[str], art: Path,
                       out: TryOutcome, asked: list[str] | None) -> None:
    """Flag the commands the agent ran that reach beyond the base: those the model asked for in
    the captured conversation (``asked``, any harness), else the harness's own log."""
    await sandbox.get("/logs/agent", art / "agent")
    commands = asked if asked is not None else harness_commands(art / "agent")
    if commands is not None:
        out.leaks = await leaks_in(sandbox, base, commands, future, art / "setup")


async def _separate_verify(plan: TrialPlan, settings: TrialSettings, spec: SandboxSpec,
                           art: Path, out: TryOutcome, try_no: int) -> None:
    """A pristine sandbox from tests/Dockerfile (which holds the tests), given only the kept
    artifacts; the agent's sandbox is gone by now."""
    async with settings.backend.sandbox(spec) as sandbox:
        try:
            await restore_artifacts(sandbox, art / "artifacts")
            # the verifier's image is its own: TB2's uv tools (mounted in the agent's) are not
            await _verify_phase(plan, dataclasses.replace(settings, tools=None), sandbox,
                                art, out, try_no, spec.netns, put_tests=False)
        finally:
            await sandbox.get("/logs/verifier", art / "verifier")


async def _agent_phase(plan: TrialPlan, settings: TrialSettings, agent: Agent, sandbox: Sandbox,
                       art: Path, out: TryOutcome, metering: Metering | None,
                       try_no: int = 1) -> None:
    timeout = plan.task.config.agent.timeout_sec * settings.options.timeout_multiplier
    route = metering.route if metering else None
    ctx = AgentContext(task=plan.task, sandbox=sandbox, timeout_sec=timeout, logs=art / "agent",
                       model=plan.variant.model, base_url=route.base_url if route else None,
                       api_key=route.token if route else None, settings=plan.variant.settings,
                       protocols=_protocols(settings.gateway, plan.variant.model))
    t0 = time.monotonic()
    try:
        fault = failpoints.agent_fault(f"{plan.trial_id}-{try_no}")
        outcome = await (agent.run(ctx) if fault is None else _stand_in(ctx, fault))
    finally:
        if metering:
            metering.close()
    out.agent_s = time.monotonic() - t0
    out.agent_exit_code, out.agent_timed_out = outcome.result.exit_code, outcome.result.timed_out
    out.self_report, out.self_report_error = outcome.self_report, outcome.self_report_error
    if outcome.result.timed_out:
        failed = upstream_failure([c for c in out.calls if c.error not in (ENDED_IN_FLIGHT,
                                                                           CLIENT_LEFT)])
        if failed:  # it waited out a failing provider: the same error as an exit would be
            out.fail(ErrorClass.UPSTREAM, f"agent killed at its timeout of {timeout:g} s while "
                                          f"the provider was failing: {failed}")
        else:
            out.fail(ErrorClass.AGENT_TIMEOUT, f"agent killed at its timeout of {timeout:g} s")
    elif outcome.result.exit_code != 0:
        failed = upstream_failure(out.calls)
        if failed:  # the provider failed the agent: an infrastructure error, retried
            out.fail(ErrorClass.UPSTREAM, f"agent exited with code {outcome.result.exit_code} "
                                          f"after the provider failed: {failed}")
        else:
            out.fail(ErrorClass.AGENT_CRASH, f"agent exited with code {outcome.result.exit_code}")


async def _stand_in(ctx: AgentContext, script: str) -> AgentOutcome:
    """A failpoint's stand-in for the harness (``failpoints.AGENT_SCRIPTS``), run as a harness
    is: in the sandbox, under the agent's timeout."""
    result = await ctx.sandbox.exec(["sh", "-c", script], env={}, timeout=ctx.timeout_sec,
                                    stdout=ctx.logs / "stdout.txt", stderr=ctx.logs / "stderr.txt")
    return AgentOutcome(result)


def _protocols(gateway: Gateway | None, model: str | None) -> tuple[str, ...]:
    """The wire protocols the model's provider speaks, as the gateway is configured; none for a
    provider the gateway does not serve (cursor-cli's). A harness picks among them with
    ``agents.harness.pick_protocol``, which fails naming both sides when there is none."""
    if gateway is None or model is None:
        return ()
    spec = gateway.providers.get(model.split("/", 1)[0])
    return tuple(spec.protocols) if spec else ()


def upstream_failure(calls: list[CallRecord]) -> str | None:
    """The provider's failure if the agent's last call failed (429, 5xx, a cut stream)."""
    if not calls:
        return None
    last = calls[-1]
    if last.status is not None and (last.status == 429 or last.status >= 500):
        return f"HTTP {last.status}" + (f" ({last.error})" if last.error else "")
    return last.error


async def _verify_phase(plan: TrialPlan, settings: TrialSettings, sandbox: Sandbox, art: Path,
                        out: TryOutcome, try_no: int, netns: Path | None,
                        put_tests: bool = True) -> None:
    """Tests go in only now (a separate verifier's image holds them already); test.sh's exit
    code is ignored: the reward file decides. A judge gets a gateway route of its own, open only
    while the verifier runs."""
    task = plan.task
    timeout = task.config.verifier.timeout_sec * settings.options.timeout_multiplier
    if put_tests:
        await sandbox.put(task.tests_dir, "/tests")
    async with AsyncExitStack() as stack:
        if out.judge_model is None:
            env = resolve_env(task.config.verifier.env, settings.environ or {},
                              file=task.toml_path, section="verifier.env")
        else:
            if settings.gateway is None:
                raise ConfigError("run", "--judge-model", "a judged task needs the gateway")
            grading = await stack.enter_async_context(metered(
                settings.gateway, plan.trial_id, try_no, out.judge_model, task,
                art / "calls.jsonl", netns, phase="grading", first_seq=len(out.calls) + 1))
            env = judge_env(task, settings.environ or {}, grading.route.base_url,
                            grading.route.token, out.judge_model)
            # the judge's calls are the trial's too, kept even if the verifier fails
            stack.callback(lambda: out.calls.extend(grading.calls))
        script, tools = VERIFY_SCRIPT, settings.tools
        if tools is not None:
            python = plan.verifier_python if plan.verifier_python in tools.pythons else None
            if python is not None:
                await fill_python(tools, python, _python_folder(settings, plan, try_no))
            script, env = tools.setup_script(python) + script, {**tools.env, **env}
        t0 = time.monotonic()
        result = await sandbox.exec(["sh", "-c", script], env=env, timeout=timeout,
                                    stdout=art / "verifier" / "test-stdout.txt",
                                    stderr=art / "verifier" / "test-stderr.txt")
        out.verify_s = time.monotonic() - t0
    if result.timed_out:
        out.fail(ErrorClass.VERIFIER_TIMEOUT, f"tests/test.sh killed at its timeout of "
                                              f"{timeout:g} s")
