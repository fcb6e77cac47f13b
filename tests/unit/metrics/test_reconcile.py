"""The gateway's count beside the harness's self-report, and the rule that explains them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from agentindex.metrics.reconcile import Pair, explaining_rule, reconcile
from agentindex.results import SelfReportResult
from agentindex.usage import Usage


def _sr(usage: dict[str, int], cost: float | None = None) -> SelfReportResult:
    data: dict[str, Any] = {"usage": usage, "cost_usd": cost}
    return SelfReportResult.model_validate(data)


def test_sums_and_difference_over_trials_with_a_self_report() -> None:
    pairs = [
        Pair(Usage(input=100, cache_read=1000, output=10), Decimal("0.01"),
             _sr({"input": 100, "cache_read": 900, "output": 12}, 0.02)),
        Pair(Usage(input=50, cache_read=0, output=5), Decimal("0.005"),
             _sr({"input": 60, "cache_read": 0, "output": 5}, 0.004)),
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
    assert r.rule == "unexplained"


def test_unknown_cost_and_no_self_report() -> None:
    r = reconcile([Pair(Usage(input=1), None, _sr({"input": 1}))])
    assert r is not None and r.gateway.cost_usd is None and r.self_report.cost_usd is None
    assert r.difference.cost_usd is None and r.difference.usage.input == 0
    assert r.rule == "exact"
    assert reconcile([Pair(Usage(input=1), Decimal(0), None)]) is None


def test_a_self_report_without_the_side_calls_is_explained_by_the_title_rule() -> None:
    """OpenCode's step_finish events leave out its session-title call; the gateway counts it."""
    side = Usage(input=300, cache_read=0, output=20)
    pairs = [Pair(Usage(input=1300, cache_read=5000, output=220), None,
                  _sr({"input": 1000, "cache_read": 5000, "output": 200}), side),
             # a trial whose title call did not happen: exact, which the rule also covers
             Pair(Usage(input=10, output=1), None, _sr({"input": 10, "output": 1}), Usage())]
    assert explaining_rule(pairs) == "title-side-call"
    r = reconcile(pairs)
    assert r is not None and r.rule == "title-side-call"
    assert r.difference.usage == Usage(input=-300, cache_read=0, output=-20)


@pytest.mark.parametrize(("gateway", "reported", "rule"), [
    (Usage(input=5, output=1), {"input": 5, "output": 1}, "exact"),
    (Usage(input=5, output=1), {"input": 5}, "exact"),  # a field not reported is not compared
    (Usage(input=5, output=1), {"input": 6, "output": 1}, "unexplained"),
    (Usage(input=5, output=1), {}, "unexplained"),  # nothing to compare explains nothing
])
def test_rules_compare_the_fields_both_sides_report(gateway: Usage, reported: dict[str, int],
                                                    rule: str) -> None:
    assert explaining_rule([Pair(gateway, None, _sr(reported))]) == rule
