"""Build the :class:`~agentindex.results.Report` from one or more job stores. A figure not
measured is ``null``, never invented.

Per-task figures (cost, tokens, cache hit rate, time, turns, loops) average over the trials that
count toward the score (not excluded by the error policy), each with the calls of its last try.
The spend of retried tries and of errored trials is shown apart (``spend_failed_usd``), as is
the spend of tries a kill interrupted (``interrupted_spend_usd``, once their trial is
committed), and the total spend, which holds both. Cost is Σ per-call prices at the report's
price date (``--price-date``, else the job's ``meta.price_date``, else the UTC date the job was
created), from the stored call records.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from agentindex import __version__
from agentindex.errors import ConfigError
from agentindex.metrics.bootstrap import LEVEL, RESAMPLES, SEED
from agentindex.metrics.cost import Pricer
from agentindex.metrics.pareto import Point, pareto_frontier
from agentindex.report.labels import unique_labels
from agentindex.report.load import JobData, JobMeta, read_job, read_meta
from agentindex.report.variant import VariantInput, variant_report
from agentindex.results import REPORT_FORMAT, Report, VariantInfo
from agentindex.results.report import CIMethod
from agentindex.store import open_store


def load_report(job_dirs: Path | Sequence[Path], price_date: dt.date | None = None) -> Report:
    """The report over one or more job directories (see :func:`load_jobs`)."""
    dirs = [job_dirs] if isinstance(job_dirs, Path) else list(job_dirs)
    jobs, date, pricer = load_jobs(dirs, price_date)
    return build_report(jobs, date, pricer)


def load_jobs(job_dirs: Sequence[Path], price_date: dt.date | None = None
              ) -> tuple[list[JobData], dt.date, Pricer]:
    """Read every job, pricing its calls at ``price_date`` (default: the jobs' own date, the
    latest if they differ; today, UTC, for a job that records none)."""
    stores = [(open_store(d), d) for d in job_dirs]
    try:
        metas = [read_meta(s, d) for s, d in stores]
        dates = [m.price_date for m in metas if m.price_date]
        date = price_date or (max(dates) if dates else dt.datetime.now(dt.UTC).date())
        pricer = Pricer(date)
        jobs = [read_job(s, m, pricer) for (s, _), m in zip(stores, metas, strict=True)]
    finally:
        for s, _ in stores:
            s.close()
    return jobs, date, pricer


def build_report(jobs: Sequence[JobData], price_date: dt.date, pricer: Pricer) -> Report:
    meta = _merged_meta([j.meta for j in jobs])
    benches: dict[str, set[str]] = defaultdict(set)
    for j in jobs:
        for ref, digests in j.tasks.items():
            benches[ref] |= digests
    order = _ordered([b for j in jobs for b in j.meta.benchmarks], benches)
    inputs = _variant_inputs(jobs, benches, order, meta.index_weights)
    labels = unique_labels([i.row for i in inputs])
    variants = sorted((variant_report(i, pricer, labels[i.row.variant_key]) for i in inputs),
                      key=lambda v: v.label)
    front = pareto_frontier([Point(v.label, v.cost_per_task_usd, v.index) for v in variants
                             if v.cost_per_task_usd is not None and v.index is not None])
    variants = [v.model_copy(update={"pareto_optimal": v.label in front
                                     if v.cost_per_task_usd is not None
                                     and v.index is not None else None})
                for v in variants]
    return Report(
        format=REPORT_FORMAT, agentindex_version=__version__,
        job=", ".join(j.meta.name for j in jobs), jobs=[j.meta.name for j in jobs],
        index_definition=meta.index_definition, index_date=meta.index_date,
        index_weights=meta.index_weights,
        price_date=price_date.isoformat(), price_sources=dict(sorted(pricer.sources.items())),
        ci=CIMethod(method="bootstrap, tasks resampled within each benchmark", level=LEVEL,
                    resamples=RESAMPLES, seed=SEED),
        generated_at=dt.datetime.fromtimestamp(time.time(), dt.UTC).isoformat(),
        benchmarks=order, pareto_frontier=front, variants=variants,
        judge_models=sorted({m for v in variants for m in v.judge_models}),
        benchmark_labels={ref: label for j in jobs
                          for ref, label in j.meta.benchmark_labels.items() if ref in order},
        excluded_tasks={b: dict(sorted(t.items())) for j in jobs
                        for b, t in sorted(j.meta.excluded_tasks.items())})


def _merged_meta(metas: list[JobMeta]) -> JobMeta:
    defs = {m.index_definition for m in metas}
    if len(defs) > 1:
        raise ConfigError(", ".join(str(m.path) for m in metas), "meta.index_definition",
                          "jobs were run under different index definitions: "
                          f"{sorted(map(str, defs))}")
    weights = next((m.index_weights for m in metas if m.index_weights), None)
    return JobMeta(metas[0].name, metas[0].path, metas[0].index_definition,
                   metas[0].index_date, weights, [], None)


def _variant_inputs(jobs: Sequence[JobData], benches: dict[str, set[str]], order: list[str],
                    weights: dict[str, float] | None) -> list[VariantInput]:
    """Each variant's trials, pooled over jobs (a trial id seen twice is the same trial)."""
    rows: dict[str, VariantInfo] = {}
    inputs: dict[str, VariantInput] = {}
    seen: set[str] = set()
    for j in jobs:
        for v in j.variants:
            rows.setdefault(v.variant_key, v)
        for t in j.trials:
            if t.trial_id in seen:
                continue
            seen.add(t.trial_id)
            key = t.variant_key
            if key not in inputs:
                inputs[key] = VariantInput(rows.get(key) or t.variant,
                                           {b: benches[b] for b in order}, weights)
            inputs[key].add(t, j.calls.get(t.trial_id), j.retried.get(t.trial_id),
                            j.grading.get(t.trial_id))
    variant_of = {t.trial_id: t.variant_key for j in jobs for t in j.trials}
    for j in jobs:  # an interrupted try's calls go to the variant of the trial that re-ran it
        for trial_id, calls in j.interrupted.items():
            owner = variant_of.get(trial_id)
            if owner is not None and owner in inputs:
                inputs[owner].interrupted.append(calls)
        for trial_id, spent in j.grading_spend.items():  # the judge's, likewise
            owner = variant_of.get(trial_id)
            if owner is not None and owner in inputs:
                inputs[owner].grading_spend.setdefault(trial_id, spent)
    for key, row in rows.items():  # variants with no trial yet still get a row
        inputs.setdefault(key, VariantInput(row, {b: benches[b] for b in order}, weights))
    return list(inputs.values())


def _ordered(order: list[str], benches: dict[str, set[str]]) -> list[str]:
    """The jobs' own benchmark order (the index definition's), then any others by name."""
    seen: list[str] = []
    for b in order:
        if b in benches and b not in seen:
            seen.append(b)
    return seen + sorted(set(benches) - set(seen))
