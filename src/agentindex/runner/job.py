"""A job: the trials one config expands to, run concurrently, each committed atomically with its
artifacts; a re-run executes only what is missing.

Commit protocol (what makes ``kill -9`` at any moment safe): a trial works in
``trials/.staging/<id>/``; when it ends, ``result.json`` is written there, the directory is renamed
to ``trials/<id>/`` and only then is its row committed. At start, the model calls those
uncommitted tries made are kept in the store (``interrupted_calls``: they were billed), then
staging and scratch are wiped and any ``trials/<id>/`` without a row (killed between rename and
commit) is removed and re-run.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import shutil
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentindex.agents.install import CACHE
from agentindex.errors import ConfigError, ErrorClass
from agentindex.gateway import ProvidersConfig
from agentindex.results import TrialResult, VariantInfo
from agentindex.runner.executors.base import Executor, JobContext, TrialLost, TrialRunner
from agentindex.runner.executors.local import LocalExecutor
from agentindex.runner.judging import judge_model_for
from agentindex.runner.plan import TrialOptions, TrialPlan
from agentindex.runner.preflight import Plan, preflight
from agentindex.runner.salvage import salvage_interrupted_calls
from agentindex.runner.variants import Variant, trial_id
from agentindex.runner.verify import Expectations
from agentindex.sandbox import Backend
from agentindex.store import Store
from agentindex.tasks.catalog import Selection
from agentindex.tasks.model import Task, TaskKind

if TYPE_CHECKING:  # the trial's lifecycle: imported by the executor when there are trials
    from agentindex.runner.execute import FinishedTrial

#: Error classes whose trials are not "done": a re-run runs them again (the config was fixed).
RERUN = frozenset({ErrorClass.CONFIG.value})


@dataclass(frozen=True)
class JobSpec:
    name: str
    jobs_dir: Path
    selection: Selection
    variants: list[Variant]
    attempts: int
    concurrency: int
    backend: Backend
    options: TrialOptions = field(default_factory=TrialOptions)  # how each trial runs
    agent_cache: Path = CACHE
    seal_history: bool = False  # patch tasks: only the base's git history (also per benchmark)
    excluded: dict[str, dict[str, str]] = field(default_factory=dict)  # by --valid-only
    # False (validate): a task the backend cannot run is that trial's error, not the job's
    preflight_tasks: bool = True
    config: dict[str, Any] = field(default_factory=dict)  # as given, kept in config.json
    executor: Executor = field(default_factory=LocalExecutor)  # where the trials run

    scratch_root: Path | None = None  # where sandboxes live while they run (default: the job)
    # error classes whose committed trials this run runs again (besides RERUN's), e.g. validate
    # --rerun-errors verifier once the environment was fixed
    rerun_errors: frozenset[str] = frozenset()
    # awaited once all of a task's trials in this run are over (validate frees its images)
    after_task: Callable[[Task], Awaitable[None]] | None = None

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

    def lost(self, plan: TrialPlan, reason: str) -> None:
        """The executor could not run the trial; nothing of it was committed."""


def plan_trials(spec: JobSpec) -> Iterator[TrialPlan]:
    """Benchmarks x tasks x variants x attempts; a task in two benchmarks is one trial."""
    seen: set[str] = set()
    for bench in spec.selection.benchmarks:
        checks = bench.definition.verifier
        expect = Expectations(tuple(checks.evidence), checks.reward_range)
        sealed = spec.seal_history or bench.definition.seal_history
        for task in bench.tasks:
            sealed_here = sealed and task.kind is TaskKind.PATCH
            for variant in spec.variants:
                for attempt in range(1, spec.attempts + 1):
                    tid = trial_id(variant, task.digest, attempt, sealed=sealed_here)
                    if tid not in seen:
                        seen.add(tid)
                        yield TrialPlan(tid, variant, task, bench.ref, attempt,
                                        bench.definition.score_key, sealed, expect=expect,
                                        verifier_python=checks.python)


def _tasks(spec: JobSpec) -> list[Task]:
    """Every task of the job once (a task in two benchmarks is one)."""
    return list({t.digest: t for b in spec.selection.benchmarks for t in b.tasks}.values())


def _prepare(spec: JobSpec, store: Store) -> set[str]:
    """Make the job directory ready to run; returns the ids of the trials already done."""
    job = spec.job_dir
    trials = job / "trials"
    done = store.done_trial_ids(RERUN | spec.rerun_errors)
    salvage_interrupted_calls(trials, store, done)  # first: the calls outlive their staging
    shutil.rmtree(trials / ".staging", ignore_errors=True)
    shutil.rmtree(spec.scratch, ignore_errors=True)
    trials.mkdir(parents=True, exist_ok=True)
    for d in trials.iterdir():
        if d.is_dir() and d.name not in done:  # renamed but never committed
            shutil.rmtree(d)
    index = spec.selection.index
    meta: dict[str, Any] = {
        "index_definition": index.ref if index else None,
        "index_date": index.date.isoformat() if index and index.date else None,
        "index_weights": {c.benchmark: c.weight for c in index.components} if index else None,
        "benchmarks": [b.ref for b in spec.selection.benchmarks],
        "excluded_tasks": spec.excluded or None,
        "benchmark_labels": {b.ref: b.definition.label
                             for b in spec.selection.benchmarks if b.definition.label}}
    if store.get_meta("created_at") is None:
        meta["created_at"] = time.time()
    store.put_job_rows(
        (VariantInfo.model_validate(v.row()) for v in spec.variants),
        ({"benchmark": b.ref, "task_digest": t.digest, "task_name": t.name, "kind": t.kind.value,
          "path": str(t.path)} for b in spec.selection.benchmarks for t in b.tasks), meta)
    config = json.dumps(spec.config, indent=2, default=str) + "\n"
    path = job / "config.json"
    if not path.is_file() or path.read_text() != config:  # unchanged: leave it (and its mtime)
        path.write_text(config)
    return done


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
    """Check the config (raises PreflightError before anything runs or is written), then run
    every trial not yet done."""
    options = spec.options
    preflight(Plan(spec.variants, _tasks(spec) if spec.preflight_tasks else [], spec.backend,
                   options.providers or ProvidersConfig.defaults(), options.internet,
                   options.allow_unenforced_limits))
    with job_lock(spec.job_dir):
        return await _run_job(spec, progress or Progress())


async def _run_job(spec: JobSpec, progress: Progress) -> JobSummary:
    store = Store.in_job(spec.job_dir)
    try:
        done = _prepare(spec, store)
        plans = list(plan_trials(spec))
        todo = [p for p in plans if p.trial_id not in done]
        for p in todo:  # a judged task without a judge model fails the run, not each trial
            judge_model_for(p.task, spec.options.judge_model)
        progress.planned(len(plans), len(todo))
        limit = asyncio.Semaphore(max(1, spec.concurrency))
        lost: list[str] = []
        left = Counter(p.task.digest for p in todo)

        async def one(plan: TrialPlan, runner: TrialRunner) -> None:
            async with limit:
                progress.started(plan)
                staging = spec.job_dir / "trials" / ".staging" / plan.trial_id
                try:
                    finished = await runner.run(plan, staging)
                except TrialLost as e:  # not committed: the next run of the job runs it again
                    lost.append(f"{plan.trial_id}: {e}")
                    progress.lost(plan, str(e))
                else:
                    progress.finished(plan, commit_trial(spec, store, plan, finished, staging))
                left[plan.task.digest] -= 1
                if spec.after_task is not None and left[plan.task.digest] == 0:
                    await spec.after_task(plan.task)

        context = JobContext(name=spec.name, job_dir=spec.job_dir, backend=spec.backend,
                             scratch=spec.scratch, agent_cache=spec.agent_cache, plans=todo,
                             options=spec.options)
        async with spec.executor.session(context) as runner, asyncio.TaskGroup() as tg:
            for plan in todo:
                tg.create_task(one(plan, runner))
        shutil.rmtree(spec.scratch, ignore_errors=True)
        # a lost trial's staged calls (if it made any) are spend too
        salvage_interrupted_calls(spec.job_dir / "trials", store)
        shutil.rmtree(spec.job_dir / "trials" / ".staging", ignore_errors=True)
        if lost:
            raise TrialLost(f"{len(lost)} trial(s) could not be run and were not committed "
                            "(run the same command again to retry them): " + "; ".join(lost))
        return JobSummary(spec.job_dir, len(plans), len(plans) - len(todo), len(todo))
    finally:
        store.close()


def commit_trial(spec: JobSpec, store: Store, plan: TrialPlan, finished: FinishedTrial,
                 staging: Path) -> TrialResult:
    """The one writer's atomic commit: ``result.json`` into the staging directory, the directory
    renamed to ``trials/<id>/``, then the row (with the tries and calls) in one transaction."""
    result = finished.result
    (staging / "result.json").write_text(result.model_dump_json(indent=2) + "\n")
    final = spec.job_dir / "trials" / plan.trial_id
    shutil.rmtree(final, ignore_errors=True)
    staging.rename(final)
    store.commit_trial(result, finished.calls)
    if finished.interrupted:
        store.add_interrupted_calls(finished.interrupted)
    return result
