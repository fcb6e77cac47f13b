"""``agentindex validate -d BENCH``: oracle and nop on every task, as a resumable job, then a
validity manifest (``validity.json`` in the job directory, or ``--out``)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from agentindex.commands.progress import LiveProgress
from agentindex.errors import ConfigError
from agentindex.runner.job import JobSpec, run_job
from agentindex.runner.plan import TrialOptions
from agentindex.runner.policy import DEFAULT_POLICY, Policy
from agentindex.runner.validity import (
    ENVIRONMENT_ERRORS,
    Manifest,
    build_manifest,
    failure_cause,
    write_manifest,
)
from agentindex.runner.variants import expand_variants
from agentindex.sandbox import get_backend
from agentindex.sandbox.container import ContainerBackend
from agentindex.store import STORE_FILE, Store
from agentindex.tasks.catalog import Selection, resolve_datasets
from agentindex.tasks.model import Task

# Validity is measured, not retried into existence: a retry of a failed build or verifier costs
# as much as the first try, and the manifest gives the reason of the one that ran.
NO_RETRIES = Policy({cls: replace(rule, retries=0) for cls, rule in DEFAULT_POLICY.items()})


def validate_command(datasets: list[str], env: str, concurrency: int, jobs_dir: Path,
                     job: str | None, clamp: bool, include_excluded: bool, out: Path | None,
                     run: bool, console: Console, rerun_errors: list[str] | None = None,
                     keep_images: bool = False) -> int:
    if not datasets:
        raise ConfigError("validate", "--dataset", "name a benchmark (-d terminal-bench@2.0)")
    rerun = rerun_classes(rerun_errors or [])
    selection = resolve_datasets(datasets, keep_excluded=include_excluded)
    name = job or "validate-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join(datasets)) + f"-{env}"
    spec = JobSpec(name=name, jobs_dir=jobs_dir.resolve(), selection=selection,
                   variants=expand_variants(["oracle", "nop"], []), attempts=1,
                   concurrency=concurrency, backend=get_backend(env),
                   options=TrialOptions(policy=NO_RETRIES, clamp_resources=clamp,
                                        verifier_tools=True),
                   preflight_tasks=False, config={"validate": datasets, "env": env},
                   rerun_errors=rerun)
    backend = spec.backend
    if isinstance(backend, ContainerBackend) and not keep_images:
        spec = replace(spec, after_task=lambda task: free_images(backend, task, console))
    if run:
        with LiveProgress(console) as progress:
            asyncio.run(run_job(spec, progress))
    elif not (spec.job_dir / STORE_FILE).exists():
        raise ConfigError(spec.job_dir, None, "no validation job here yet (run without --no-run)")
    manifests = manifests_of(spec.job_dir, selection, env)
    path = out or spec.job_dir / "validity.json"
    write_manifest(path, manifests)
    for m in manifests:
        console.print(summary_table(m))
    console.print(f"validity manifest: {path}", highlight=False)
    return 0


async def free_images(backend: ContainerBackend, task: Task, console: Console) -> None:
    """A validation keeps no task image once the task's trials are over: over a whole benchmark
    they take more disk than a machine has (TB2's are 0.4-7.6 GB each). Stand-ins stay."""
    try:
        removed = await backend.images.remove_built(task)
    except Exception as e:  # a failed clean-up must not stop the validation
        console.print(f"[yellow]{task.name}: its images were not removed: {e}[/yellow]")
        return
    if removed:
        console.print(f"[dim]{task.name}: removed {len(removed)} image(s) built for it[/dim]")


def rerun_classes(names: list[str]) -> frozenset[str]:
    """``--rerun-errors``: environment error classes (``all``: every one); others are refused,
    since a task's own failure (an oracle that fails, a timeout) is a finding, not a glitch."""
    wanted = {n.strip() for name in names for n in name.split(",") if n.strip()}
    if "all" in wanted:
        return frozenset(ENVIRONMENT_ERRORS)
    unknown = sorted(wanted - set(ENVIRONMENT_ERRORS))
    if unknown:
        raise ConfigError("validate", "--rerun-errors", f"not an environment error class: "
                          f"{', '.join(unknown)} (one of: {', '.join(ENVIRONMENT_ERRORS)}, all)")
    return frozenset(wanted)


def manifests_of(job_dir: Path, selection: Selection, env: str) -> list[Manifest]:
    store = Store.in_job(job_dir)
    try:
        agents = {v["variant_key"]: v["agent"] for v in store.rows("variants")}
        rows: list[dict[str, Any]] = [
            {**r, "agent": agents[r["variant_key"]],
             "cause": failure_cause(job_dir / "trials" / r["trial_id"])
             if r["reward"] is not None and r["reward"] < 1.0 else None}
            for r in store.rows("trials")]
    finally:
        store.close()
    times = [(r["started_at"], r["finished_at"]) for r in rows]
    wall = max(f for _, f in times) - min(s for s, _ in times) if times else None
    return [build_manifest(b.ref, env, [(t.name, t.digest) for t in b.tasks], rows, wall)
            for b in selection.benchmarks]


def summary_table(m: Manifest) -> Table:
    table = Table("task", "class", "reason", title=f"{m.benchmark} on {m.backend}: "
                  + ", ".join(f"{k} {v}" for k, v in sorted(m.counts().items())))
    for name, t in sorted(m.tasks.items()):
        table.add_row(name, t.validity.value, t.reason)
    return table
