"""Reconciliation: the gateway's count of a variant's usage beside the harness's own report,
and the named rule that explains their difference.

Rules (checked in this order; a rule explains a variant only if it holds for every compared
trial, on every token field both sides report):

- ``exact``: the self-report equals the gateway's count.
- ``title-side-call``: the self-report equals the gateway's count minus the trial's side calls
  (calls that offer no tools). OpenCode sums its ``step_finish`` events, which leave out the
  session-title call it makes to its small model; the gateway sees that call.
- ``unexplained``: neither; the difference is shown as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from agentindex.metrics.tokens import sum_usage
from agentindex.results import SelfReportResult
from agentindex.usage import Usage

_KEYS = ("input", "cache_read", "cache_write_5m", "cache_write_1h", "output", "reasoning")
EXACT, TITLE_SIDE_CALL, UNEXPLAINED = "exact", "title-side-call", "unexplained"


@dataclass(frozen=True)
class Pair:
    """One trial seen twice: by the gateway (usage, cost: ``None`` if unknown, and the side
    calls' part of the usage) and by the harness's self-report (``None`` if it reported
    nothing)."""

    gateway_usage: Usage
    gateway_cost: Decimal | None
    self_report: SelfReportResult | None
    gateway_side_usage: Usage = field(default_factory=Usage)


@dataclass(frozen=True)
class Counted:
    usage: Usage
    cost_usd: float | None


@dataclass(frozen=True)
class Comparison:
    """Sums over the ``trials`` that have both a gateway count and a self-report;
    ``difference`` = self-report − gateway per field (``None`` where either side is ``None``);
    ``rule`` names what explains the difference (see the module's docstring)."""

    trials: int
    gateway: Counted
    self_report: Counted
    difference: Counted
    rule: str = UNEXPLAINED


def self_report_usage(report: SelfReportResult) -> Usage:
    return report.usage.to_usage()


def _agrees(reported: Usage, expected: Usage) -> bool:
    """Every field both report is equal (a field either side leaves ``None`` is not compared),
    and at least one field is compared."""
    pairs = [(a, b) for k in _KEYS
             if (a := getattr(reported, k)) is not None and (b := getattr(expected, k)) is not None]
    return bool(pairs) and all(a == b for a, b in pairs)


def _minus(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a - b


def _without(usage: Usage, part: Usage) -> Usage:
    """``usage`` − ``part`` per field (a field ``part`` leaves ``None`` is kept)."""
    return Usage(**{k: getattr(usage, k) if getattr(part, k) is None
                    else _minus(getattr(usage, k), getattr(part, k)) for k in _KEYS})


def explaining_rule(pairs: Sequence[Pair]) -> str:
    """The first rule that holds for every pair (each with a self-report): ``exact``, then
    ``title-side-call``; else ``unexplained``."""
    reported = [(self_report_usage(p.self_report), p) for p in pairs if p.self_report]
    if all(_agrees(sr, p.gateway_usage) for sr, p in reported):
        return EXACT
    if all(_agrees(sr, _without(p.gateway_usage, p.gateway_side_usage)) for sr, p in reported):
        return TITLE_SIDE_CALL
    return UNEXPLAINED


def reconcile(pairs: Iterable[Pair]) -> Comparison | None:
    """Σ gateway usage and cost, Σ self-reported usage and cost, their difference and the rule
    that explains it, over the pairs that have a self-report; a cost sum is ``None`` if any of
    its terms is. ``None`` when no pair has a self-report."""
    both = [p for p in pairs if p.self_report is not None]
    if not both:
        return None
    gw_usage = sum_usage(p.gateway_usage for p in both)
    sr_usage = sum_usage(self_report_usage(p.self_report) for p in both if p.self_report)
    gw_costs = [p.gateway_cost for p in both]
    gw_cost = None if any(c is None for c in gw_costs) else \
        float(sum((c for c in gw_costs if c is not None), Decimal(0)))
    sr_costs = [p.self_report.cost_usd for p in both if p.self_report]
    sr_cost = None if any(c is None for c in sr_costs) else \
        float(sum(c for c in sr_costs if c is not None))
    diff = Usage(**{k: _minus(getattr(sr_usage, k), getattr(gw_usage, k)) for k in _KEYS})
    return Comparison(len(both), Counted(gw_usage, gw_cost), Counted(sr_usage, sr_cost),
                          Counted(diff, None if gw_cost is None or sr_cost is None
                               else sr_cost - gw_cost), explaining_rule(both))
