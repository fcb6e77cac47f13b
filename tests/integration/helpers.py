"""Helpers for integration tests: run a job in-process, read its store."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

from agentindex.runner.job import JobSpec, JobSummary, run_job
from agentindex.runner.plan import TrialOptions
from agentindex.runner.variants import Variant, expand_variants
from agentindex.sandbox import get_backend
from agentindex.store import Store
from agentindex.tasks.catalog import resolve_datasets


def run(tasks: Path | str, agents: list[str], jobs: Path, *, job: str = "j", attempts: int = 1,
        concurrency: int = 4, backend: str = "bwrap", models: list[str] | None = None,
        variants: list[Variant] | None = None, **kw: Any) -> JobSummary:
    variants = (variants or []) + expand_variants(agents, models or [])
    options = {f.name for f in dataclasses.fields(TrialOptions)}  # the rest of kw: the job's
    spec = JobSpec(name=job, jobs_dir=jobs, selection=resolve_datasets([str(tasks)]),
                   variants=variants, attempts=attempts,
                   concurrency=concurrency, backend=get_backend(backend),
                   options=TrialOptions(**{k: v for k, v in kw.items() if k in options}),
                   **{k: v for k, v in kw.items() if k not in options})
    return asyncio.run(run_job(spec))


def trial_rows(job_dir: Path) -> list[dict[str, Any]]:
    store = Store.in_job(job_dir)
    try:
        variants = {v["variant_key"]: v["agent"] for v in store.rows("variants")}
        return [{**r, "agent": variants[r["variant_key"]]} for r in store.rows("trials")]
    finally:
        store.close()
