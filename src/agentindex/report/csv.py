"""The leaderboard as CSV: one row per variant, the Report's figures flattened."""

from __future__ import annotations

import csv
import io
from typing import Any

from agentindex.results.report import Report, TokenFigures, VariantFigures

_TOKENS = tuple(TokenFigures.model_fields)
_SCALARS = ("trials", "errored", "cost_per_task_usd", "cache_hit_rate", "time_per_task_s",
            "env_time_per_task_s", "verify_time_per_task_s", "turns_per_task",
            "side_calls_per_task", "loop_rate", "tokens_in_loops_per_task", "spend_total_usd",
            "spend_failed_usd", "spend_retried_usd", "interrupted_calls",
            "interrupted_spend_usd", "grading_spend_usd", "usage_source", "pareto_optimal",
            "suspected_leak_rate")
assert set(_SCALARS) <= set(VariantFigures.model_fields)


def report_csv(report: Report) -> str:
    """Columns: label, agent, agent_version, model, index, index_ci95_low/high, per benchmark
    ``<ref> score`` and ``<ref> ci95_low/high``, ``tokens_<field>`` per task, the scalar
    figures, the reconciliation rule, then the price date. Empty cell = null."""
    header = ["label", "agent", "agent_version", "model", "index", "index_ci95_low",
              "index_ci95_high"]
    for ref in report.benchmarks:
        header += [f"{ref} score", f"{ref} ci95_low", f"{ref} ci95_high"]
    header += [f"tokens_{k}" for k in _TOKENS] + list(_SCALARS)
    header += ["reconciliation_rule", "price_date"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for v in report.variants:
        ci: list[float | None] = [None, None] if v.index_ci95 is None else list(v.index_ci95)
        row: list[Any] = [v.label, v.agent, v.agent_version, v.model, v.index, *ci]
        for ref in report.benchmarks:
            b = v.benchmarks[ref]
            bci: list[float | None] = [None, None] if b.ci95 is None else list(b.ci95)
            row += [b.score, *bci]
        tokens = v.tokens_per_task
        row += [getattr(tokens, k) if tokens else None for k in _TOKENS]
        row += [getattr(v, k) for k in _SCALARS]
        row += [v.reconciliation.rule if v.reconciliation else None, report.price_date]
        w.writerow(["" if x is None else x for x in row])
    return buf.getvalue()
