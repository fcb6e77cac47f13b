"""The gateway's count beside the harness's self-report."""

from __future__ import annotations

from decimal import Decimal

import pytest

from agentindex.metrics.reconcile import Pair, reconcile
from agentindex.usage import Usage


def test_sums_and_difference_over_trials_with_a_self_report() -> None:
    pairs = [
        Pair(Usage(input=100, cache_read=1000, output=10), Decimal("0.01"),
             {"usage": {"input": 100, "cache_read": 900, "output": 12}, "cost_usd": 0.02}),
        Pair(Usage(input=50, cache_read=0, output=5), Decimal("0.005"),
             {"usage": {"input": 60, "cache_read": 0, "output": 5}, "cost_usd": 0.004}),
        Pair(Usage(input=999, output=999), Decimal("1"), None),  # no self-report: left out
    ]
    r = reconcile(pairs)
    assert r is not None and r.trials == 2
    assert r.gateway.usage == Usage(input=150, cache_read=1000, output=15)
    assert r.self_report.usage == Usage(input=160, cache_read=900, output=17)
    assert r.difference.usage == Usage(input=10, cache_read=-100, output=2)
    assert r.gateway.cost_usd == pytest.approx(0.015)
    assert r.self_report.cost_usd == pytest.approx(0.024)
    assert r.difference.cost_usd == pytest.approx(0.009)


def test_unknown_cost_and_no_self_report() -> None:
    r = reconcile([Pair(Usage(input=1), None, {"usage": {"input": 1}})])
    assert r is not None and r.gateway.cost_usd is None and r.self_report.cost_usd is None
    assert r.difference.cost_usd is None and r.difference.usage.input == 0
    assert reconcile([Pair(Usage(input=1), Decimal(0), None)]) is None
