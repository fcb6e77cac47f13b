"""Reconciliation: the gateway's count of a variant's usage beside the harness's own report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from agentindex.metrics.tokens import sum_usage
from agentindex.usage import Usage

_KEYS = ("input", "cache_read", "cache_write_5m", "cache_write_1h", "output", "reasoning")


@dataclass(frozen=True)
class Pair:
    """One trial seen twice: by the gateway (usage, cost: ``None`` if unknown) and by the
    harness's self-report (``None`` if the harness reported nothing)."""

    gateway_usage: Usage
    gateway_cost: Decimal | None
    self_report: dict[str, Any] | None


@dataclass(frozen=True)
class Side:
    usage: Usage
    cost_usd: float | None


@dataclass(frozen=True)
class Reconciliation:
    """Sums over the ``trials`` that have both a gateway count and a self-report;
    ``difference`` = self-report − gateway per field (``None`` where either side is ``None``)."""

    trials: int
    gateway: Side
    self_report: Side
    difference: Side


def self_report_usage(report: dict[str, Any]) -> Usage:
    """A stored self-report's ``usage`` dict -> Usage (missing fields: not reported)."""
    usage = report.get("usage") or {}
    return Usage(**{k: usage.get(k) for k in _KEYS})


def reconcile(pairs: Iterable[Pair]) -> Reconciliation | None:
    """Σ gateway usage and cost, Σ self-reported usage and cost, and their difference, over the
    pairs that have a self-report; a cost sum is ``None`` if any of its terms is. ``None`` when no
    pair has a self-report."""
    both = [p for p in pairs if p.self_report is not None]
    if not both:
        return None
    gw_usage = sum_usage(p.gateway_usage for p in both)
    sr_usage = sum_usage(self_report_usage(p.self_report) for p in both if p.self_report)
    gw_costs = [p.gateway_cost for p in both]
    gw_cost = None if any(c is None for c in gw_costs) else \
        float(sum((c for c in gw_costs if c is not None), Decimal(0)))
    sr_costs: list[float | None] = [p.self_report.get("cost_usd") for p in both if p.self_report]
    sr_cost = None if any(c is None for c in sr_costs) else \
        float(sum(c for c in sr_costs if c is not None))
    diff = Usage(**{k: _minus(getattr(sr_usage, k), getattr(gw_usage, k)) for k in _KEYS})
    return Reconciliation(len(both), Side(gw_usage, gw_cost), Side(sr_usage, sr_cost),
                          Side(diff, None if gw_cost is None or sr_cost is None
                               else sr_cost - gw_cost))


def _minus(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a - b
