"""Read a job's store into what the report needs, streaming the calls table once.

The calls are read in primary-key order (trial, try, seq) and summed per try as they come, so
memory grows with the number of trials, not of calls. The calls of a trial's last try are the
trial's; the calls of earlier (retried) tries are kept apart as spend, and so are the calls of
tries a kill interrupted (``interrupted_calls``, by trial). The calls of a result that a re-run
replaced (``superseded_calls``) count as those of retried tries: the trial was run again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import cast

from agentindex.metrics.cost import CostSum, Pricer
from agentindex.metrics.trials import CALL_COLUMNS, CallRow, TrialCalls, summarise_calls
from agentindex.results import TrialResult, VariantInfo
from agentindex.store import Store


@dataclass(frozen=True)
class JobMeta:
    """A job's own facts, read before any call is priced."""

    name: str
    path: Path
    index_definition: str | None
    index_date: str | None  # when the index definition took effect (YYYY-MM-DD)
    index_weights: dict[str, float] | None
    benchmarks: list[str]
    price_date: dt.date | None  # meta.price_date, else the UTC date the job was created
    benchmark_labels: dict[str, str] = field(default_factory=dict)  # ref -> how reports name it
    # tasks a validity manifest left out: benchmark -> task -> "class: reason"
    excluded_tasks: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class JobData:
    meta: JobMeta
    variants: list[VariantInfo]
    tasks: dict[str, set[str]]  # benchmark -> task digests
    trials: list[TrialResult]
    calls: dict[str, TrialCalls]  # trial id -> its last try's calls
    retried: dict[str, CostSum]  # trial id -> spend of its retried tries
    retried_calls: dict[str, int]
    grading: dict[str, TrialCalls] = field(default_factory=dict)  # trial id -> judge's calls
    # trial id -> the agent calls of its tries a kill interrupted (salvaged on resume)
    interrupted: dict[str, TrialCalls] = field(default_factory=dict)
    # trial id -> the judge's spend over all its calls (every try, interrupted, replaced)
    grading_spend: dict[str, CostSum] = field(default_factory=dict)


def read_meta(store: Store, job_dir: Path) -> JobMeta:
    date = store.get_meta("price_date")
    created = store.get_meta("created_at")
    price_date = (dt.date.fromisoformat(date) if date else
                  dt.datetime.fromtimestamp(created, dt.UTC).date() if created else None)
    return JobMeta(job_dir.name, job_dir, store.get_meta("index_definition"),
                   store.get_meta("index_date"), store.get_meta("index_weights"),
                   store.get_meta("benchmarks") or [], price_date,
                   store.get_meta("benchmark_labels") or {},
                   store.get_meta("excluded_tasks") or {})


def read_job(store: Store, meta: JobMeta, pricer: Pricer) -> JobData:
    tasks: dict[str, set[str]] = defaultdict(set)
    for t in store.job_tasks():
        tasks[t.benchmark].add(t.task_digest)
    trials = list(store.trials())
    last_try = {t.trial_id: t.tries for t in trials}
    calls: dict[str, TrialCalls] = {}
    retried: dict[str, CostSum] = {}
    retried_calls: dict[str, int] = defaultdict(int)
    for (trial_id, try_no), group in groupby(stream_calls(store), key=lambda c: c[:2]):
        summary = summarise_calls(group, pricer)
        if try_no == last_try.get(trial_id):
            calls[trial_id] = summary
        else:  # a retried try (or calls of a trial never committed: also spend)
            retried.setdefault(trial_id, CostSum()).merge(summary.cost)
            retried_calls[trial_id] += summary.calls
    replaced = cast(Iterator[CallRow],
                    store.stream_interrupted_calls(CALL_COLUMNS, table="superseded_calls"))
    for trial_id, group in groupby(replaced, key=lambda c: c[0]):
        summary = summarise_calls(group, pricer)
        retried.setdefault(trial_id, CostSum()).merge(summary.cost)
        retried_calls[trial_id] += summary.calls
    grading, graded = _grading(store, pricer, last_try)
    rows = cast(Iterator[CallRow], store.stream_interrupted_calls(CALL_COLUMNS))
    interrupted = {trial_id: summarise_calls(group, pricer)
                   for trial_id, group in groupby(rows, key=lambda c: c[0])}
    return JobData(meta, store.variants(), dict(tasks), trials, calls, retried,
                   dict(retried_calls), grading, interrupted, graded)


def _grading(store: Store, pricer: Pricer, last_try: dict[str, int]
             ) -> tuple[dict[str, TrialCalls], dict[str, CostSum]]:
    """The judge's calls of each trial's last try, and the judge's whole spend per trial: every
    try's calls, those of tries a kill interrupted and of results a re-run replaced."""
    last: dict[str, TrialCalls] = {}
    spent: dict[str, CostSum] = {}
    for (trial_id, try_no), group in groupby(stream_calls(store, "grading"), key=lambda c: c[:2]):
        summary = summarise_calls(group, pricer)
        if try_no == last_try.get(trial_id):
            last[trial_id] = summary
        spent.setdefault(trial_id, CostSum()).merge(summary.cost)
    for table in ("interrupted_calls", "superseded_calls"):
        rows = cast(Iterator[CallRow],
                    store.stream_interrupted_calls(CALL_COLUMNS, "grading", table))
        for trial_id, group in groupby(rows, key=lambda c: c[0]):
            spent.setdefault(trial_id, CostSum()).merge(summarise_calls(group, pricer).cost)
    return last, spent


def stream_calls(store: Store, phase: str = "agent") -> Iterator[CallRow]:
    """Every call of ``phase`` (the agent's, or ``grading``: a verifier's judge) in (trial, try,
    seq) order, as ``CallRow``s (plain tuples in its column order: the fast path for a million
    calls)."""
    return cast(Iterator[CallRow], store.stream_calls(CALL_COLUMNS, phase))
