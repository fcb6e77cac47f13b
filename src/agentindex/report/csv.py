"""The leaderboard as CSV: one row per variant, report.json's figures flattened."""

from __future__ import annotations

import csv
import io
from typing import Any

_TOKENS = ("input", "cache_read", "cache_write", "output", "reasoning", "total")
_SCALARS = ("trials", "errored", "cost_per_task_usd", "cache_hit_rate", "time_per_task_s",
            "env_time_per_task_s", "verify_time_per_task_s", "turns_per_task",
            "side_calls_per_task", "loop_rate", "tokens_in_loops_per_task", "spend_total_usd",
            "spend_failed_usd", "spend_retried_usd", "usage_source", "pareto_optimal")


def report_csv(report: dict[str, Any]) -> str:
    """Columns: label, agent, agent_version, model, index, index_ci95_low/high, per benchmark
    ``<ref> score`` and ``<ref> ci95_low/high``, ``tokens_<field>`` per task, then the scalar
    figures. Empty cell = null."""
    header = ["label", "agent", "agent_version", "model", "index", "index_ci95_low",
              "index_ci95_high"]
    for ref in report["benchmarks"]:
        header += [f"{ref} score", f"{ref} ci95_low", f"{ref} ci95_high"]
    header += [f"tokens_{k}" for k in _TOKENS] + list(_SCALARS) + ["price_date"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for v in report["variants"]:
        ci = v["index_ci95"] or [None, None]
        row = [v["label"], v["agent"], v["agent_version"], v["model"], v["index"], *ci]
        for ref in report["benchmarks"]:
            b = v["benchmarks"][ref]
            row += [b["score"], *(b["ci95"] or [None, None])]
        tokens = v["tokens_per_task"] or {}
        row += [tokens.get(k) for k in _TOKENS] + [v[k] for k in _SCALARS]
        row.append(report["price_date"])
        w.writerow(["" if x is None else x for x in row])
    return buf.getvalue()
