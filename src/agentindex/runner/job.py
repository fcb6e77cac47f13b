"""A job: the trials one config expands to, run concurrently, each committed atomically with its
artifacts; a re-run executes only what is missing.

Commit protocol (what makes ``kill -9`` at any moment safe): a trial works in
``trials/.staging/<id>/``; when it ends, ``result.json`` is written there, the directory is renamed
to ``trials/<id>/`` and only then is its row committed. At start, staging and scratch are wiped and
any ``trials/<id>/`` without a row (killed between rename and commit) is removed and re-run.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agentindex.agents.install import CACHE
from agentindex.errors import ConfigError
from agentindex.gateway import Gateway, ProvidersConfig
from agentindex.results import CallRecord, FailedTry, SelfReportResult, TrialResult, VariantInfo
from agentindex.runner.policy import Policy
from agentindex.runner.trial import TrialPlan, TrialSettings, TryOutcome, agent_for, run_try
from agentindex.runner.variants import Variant, trial_id
from agentindex.sandbox import Backend
from agentindex.store import Store
from agentindex.tasks.catalog import Selection


@dataclass(frozen=True)
class JobSpec:
    name: str
    jobs_dir: Path
    selection: Selection
    variants: list[Variant]
    attempts: int
    concurrency: int
    backend: Backend
    timeout_multiplier: float = 1.0
    policy: Policy = field(default_factory=Policy.with_overrides)
    agent_cache: Path = CACHE
    providers: ProvidersConfig | None = None  # the gateway's providers (None: built-in)
    internet: bool | None = None  # None: each task's own allow_internet
    config: dict[str, Any] = field(default_factory=dict)  # as given, kept in config.json
    trajectories: bool = True  # capture each trial's conversation at the gateway
    trajectory_max_text: int = 16384  # characters of one message or tool result kept

    scratch_root: Path | None = None  # where sandboxes live while they run (default: the job)

    @property
    def job_dir(self) -> Path:
        return self.jobs_dir / self.name

    @property
    def scratch(self) -> Path:
        """Per-trial working space, wiped at start and end: ``.scratch`` in the job, or a folder
        of its own under ``scratch_root`` (e.g. a tmpfs, where files cost no disk writes)."""
        if self.scratch_root is None:
            return self.job_dir / ".scratch"
        digest = hashlib.sha256(str(self.job_dir.resolve()).encode()).hexdigest()[:8]
        return self.scratch_root / f"agentindex-{self.name}-{digest}"


@dataclass(frozen=True)
class JobSummary:
    job_dir: Path
    total: int
    skipped: int
    ran: int


class Progress:
    """What the runner tells the user; the CLI subclasses it with a live display."""

    def planned(self, total: int, to_run: int) -> None: ...

    def started(self, plan: TrialPlan) -> None: ...

    def finished(self, plan: TrialPlan, record: TrialResult) -> None: ...


def plan_trials(spec: JobSpec) -> Iterator[TrialPlan]:
    """Benchmarks x tasks x variants x attempts; a task in two benchmarks is one trial."""
    seen: set[str] = set()
    for bench in spec.selection.benchmarks:
        for task in bench.tasks:
            for variant in spec.variants:
                for attempt in range(1, spec.attempts + 1):
                    tid = trial_id(variant, task.digest, attempt)
                    if tid not in seen:
                        seen.add(tid)
                        yield TrialPlan(tid, variant, task, bench.ref, attempt)


def _prepare(spec: JobSpec, store: Store) -> None:
    job = spec.job_dir
    trials = job / "trials"
    shutil.rmtree(trials / ".staging", ignore_errors=True)
    shutil.rmtree(spec.scratch, ignore_errors=True)
    trials.mkdir(parents=True, exist_ok=True)
    done = store.done_trial_ids()
    for d in trials.iterdir():
        if d.is_dir() and d.name not in done:  # renamed but never committed
            shutil.rmtree(d)
    index = spec.selection.index
    if store.get_meta("created_at") is None:
        store.set_meta("created_at", time.time())
    store.set_meta("index_definition", index.ref if index else None)
    store.set_meta("index_weights",
                   {c.benchmark: c.weight for c in index.components} if index else None)
    store.set_meta("benchmarks", [b.ref for b in spec.selection.benchmarks])
    store.put_job_rows(
        (VariantInfo.model_validate(v.row()) for v in spec.variants),
        ({"benchmark": b.ref, "task_digest": t.digest, "task_name": t.name, "kind": t.kind.value,
          "path": str(t.path)} for b in spec.selection.benchmarks for t in b.tasks))
    (job / "config.json").write_text(json.dumps(spec.config, indent=2, default=str) + "\n")


@contextlib.contextmanager
def job_lock(job_dir: Path) -> Iterator[None]:
    """One runner per job directory: a second one would discard the first one's trials in flight
    as unfinished. The lock dies with its process, so a killed run never leaves it behind."""
    job_dir.mkdir(parents=True, exist_ok=True)
    with (job_dir / ".lock").open("a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(job_dir, None, "another agentindex run is using this job "
                                             "directory; wait for it or choose another --job") \
                from None
        yield


async def run_job(spec: JobSpec, progress: Progress | None = None) -> JobSummary:
    with job_lock(spec.job_dir):
        return await _run_job(spec, progress or Progress())


async def _run_job(spec: JobSpec, progress: Progress) -> JobSummary:
    store = Store.in_job(spec.job_dir)
    try:
        _prepare(spec, store)
        done = store.done_trial_ids()
        plans = list(plan_trials(spec))
        todo = [p for p in plans if p.trial_id not in done]
        progress.planned(len(plans), len(todo))
        settings = TrialSettings(job=spec.name, backend=spec.backend,
                                 scratch=spec.scratch, agent_cache=spec.agent_cache,
                                 timeout_multiplier=spec.timeout_multiplier,
                                 environ=dict(os.environ), internet=spec.internet,
                                 trajectories=spec.trajectories)
        limit = asyncio.Semaphore(max(1, spec.concurrency))

        async def one(plan: TrialPlan, settings: TrialSettings) -> None:
            async with limit:
                progress.started(plan)
                record = await run_trial(plan, spec, settings, store)
                progress.finished(plan, record)

        async with contextlib.AsyncExitStack() as stack:
            if any(agent_for(p.variant).uses_model for p in todo):
                gateway = await stack.enter_async_context(
                    Gateway(spec.providers, trajectory_max_text=spec.trajectory_max_text))
                settings = dataclasses.replace(settings, gateway=gateway)
            async with asyncio.TaskGroup() as tg:
                for plan in todo:
                    tg.create_task(one(plan, settings))
        shutil.rmtree(spec.scratch, ignore_errors=True)
        shutil.rmtree(spec.job_dir / "trials" / ".staging", ignore_errors=True)
        return JobSummary(spec.job_dir, len(plans), len(plans) - len(todo), len(todo))
    finally:
        store.close()


async def run_trial(plan: TrialPlan, spec: JobSpec, settings: TrialSettings,
                    store: Store) -> TrialResult:
    """Every try until the policy stops retrying, then one atomic commit."""
    staging = spec.job_dir / "trials" / ".staging" / plan.trial_id
    shutil.rmtree(staging, ignore_errors=True)
    failed: list[FailedTry] = []
    calls: list[CallRecord] = []
    try_no = 0
    try:
        while True:
            try_no += 1
            art = staging / "tries" / str(try_no)
            outcome = await run_try(plan, settings, art, try_no)
            calls += outcome.calls
            if not spec.policy.should_retry(outcome.error_class, try_no):
                break
            failed.append(FailedTry(try_no=try_no, error_class=str(outcome.error_class),
                                    error_message=outcome.error_message,
                                    started_at=outcome.started_at,
                                    finished_at=outcome.finished_at))
    finally:
        if settings.gateway is not None:  # no further try: providers drop the trial's state
            settings.gateway.end_trial(plan.trial_id)
    for item in art.iterdir():  # the last try's artifacts are the trial's
        item.rename(staging / item.name)
    art.rmdir()
    if not failed:
        (staging / "tries").rmdir()
    result = _record(plan, spec.policy, outcome, try_no, failed)
    (staging / "result.json").write_text(result.model_dump_json(indent=2) + "\n")
    final = spec.job_dir / "trials" / plan.trial_id
    shutil.rmtree(final, ignore_errors=True)
    staging.rename(final)
    store.commit_trial(result, calls)
    return result


def _record(plan: TrialPlan, policy: Policy, out: TryOutcome, tries: int,
            failed: list[FailedTry]) -> TrialResult:
    return TrialResult(
        trial_id=plan.trial_id, variant_key=plan.variant.key,
        variant=VariantInfo.model_validate(plan.variant.row()), benchmark=plan.benchmark,
        task_digest=plan.task.digest, task_name=plan.task.name, task_path=str(plan.task.path),
        attempt=plan.attempt,
        reward=out.verdict.reward if out.verdict else None,
        rewards=out.verdict.rewards if out.verdict else None,
        error_class=str(out.error_class) if out.error_class else None,
        error_message=out.error_message, score_as=str(policy.score_as(out.error_class)),
        tries=tries, failed_tries=failed, agent_exit_code=out.agent_exit_code,
        agent_timed_out=out.agent_timed_out,
        started_at=failed[0].started_at if failed else out.started_at,
        finished_at=out.finished_at, install_s=out.install_s, env_s=out.env_s, agent_s=out.agent_s,
        verify_s=out.verify_s, self_report=_self_report(out),
        refused_tool_calls=out.refused_tool_calls)


def _self_report(out: TryOutcome) -> SelfReportResult | None:
    if out.self_report is None:
        return None
    return SelfReportResult.model_validate(
        {**asdict(out.self_report), "usage": out.self_report.usage.to_dict()})
