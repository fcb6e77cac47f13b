"""Build ``report.json`` from the store. A figure not measured is ``null``, never invented."""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from statistics import mean
from typing import Any

from agentindex import __version__
from agentindex.metrics.scores import benchmark_score, index_score, trial_value
from agentindex.store import Store

REPORT_FORMAT = "agentindex.report/1"


def build_report(store: Store, job: str) -> dict[str, Any]:
    variants = store.rows("variants")
    trials = store.rows("trials")
    tasks = store.rows("job_tasks")
    benches: dict[str, set[str]] = defaultdict(set)  # benchmark -> task digests
    for t in tasks:
        benches[t["benchmark"]].add(t["task_digest"])
    weights = store.get_meta("index_weights")
    by_variant: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in trials:
        by_variant[t["variant_key"]].append(t)
    created = store.get_meta("created_at")
    return {
        "format": REPORT_FORMAT,
        "agentindex_version": __version__,
        "job": job,
        "index_definition": store.get_meta("index_definition"),
        "price_date": store.get_meta("price_date") or (
            dt.date.fromtimestamp(created).isoformat() if created else None),
        "generated_at": dt.datetime.fromtimestamp(time.time(), dt.UTC).isoformat(),
        "benchmarks": _ordered(store.get_meta("benchmarks") or [], benches),
        "variants": [_variant(v, by_variant[v["variant_key"]], benches, weights)
                     for v in sorted(variants, key=lambda v: v["label"])],
    }


def _variant(v: dict[str, Any], trials: list[dict[str, Any]], benches: dict[str, set[str]],
             weights: dict[str, float] | None) -> dict[str, Any]:
    per_bench = {ref: _bench(digests, trials) for ref, digests in benches.items()}
    scores = {ref: b["score"] for ref, b in per_bench.items()}
    agent_times = [t["agent_s"] for t in trials if t["agent_s"] is not None]
    return {
        "label": v["label"], "agent": v["agent"], "agent_version": v["agent_version"],
        "model": v["model"], "settings": v["settings"],
        "index": _round(index_score(scores, weights) if weights else None, 2),
        "index_ci95": None,
        "benchmarks": per_bench,
        "trials": len(trials),
        "errored": sum(t["error_class"] is not None for t in trials),
        "errors_by_class": _errors(trials),
        "cost_per_task_usd": None,
        "tokens_per_task": None,
        "cache_hit_rate": None,
        "time_per_task_s": _round(mean(agent_times), 3) if agent_times else None,
        "turns_per_task": None, "side_calls_per_task": None,
        "loop_rate": None,
        "usage_source": "gateway" if v["model"] else None,
    }


def _bench(digests: set[str], trials: list[dict[str, Any]]) -> dict[str, Any]:
    mine = [t for t in trials if t["task_digest"] in digests]
    score = benchmark_score((t["task_digest"], trial_value(t["reward"], t["score_as"]))
                            for t in mine)
    return {"score": _round(score, 4), "ci95": None, "tasks": len(digests), "trials": len(mine),
            "errored": sum(t["error_class"] is not None for t in mine)}


def _ordered(order: list[str], benches: dict[str, set[str]]) -> list[str]:
    """The job's own benchmark order (the index definition's), then any others by name."""
    return [b for b in order if b in benches] + sorted(set(benches) - set(order))


def _errors(trials: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for t in trials:
        if t["error_class"]:
            counts[t["error_class"]] += 1
    return dict(sorted(counts.items()))


def _round(x: float | None, digits: int) -> float | None:
    return None if x is None else round(x, digits)
