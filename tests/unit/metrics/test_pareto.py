"""The Pareto frontier of score against cost."""

from __future__ import annotations

from agentindex.metrics.pareto import Point, pareto_frontier


def test_frontier_keeps_the_undominated_by_increasing_cost() -> None:
    points = [Point("A", 1.0, 50), Point("B", 2.0, 60), Point("C", 2.5, 55),  # C: B dominates
              Point("D", 0.5, 40), Point("E", 1.0, 45)]  # E: A dominates (same cost, lower)
    assert pareto_frontier(points) == ["D", "A", "B"]


def test_equal_points_both_stay_and_empty_is_empty() -> None:
    assert pareto_frontier([Point("A", 1.0, 50), Point("B", 1.0, 50)]) == ["A", "B"]
    assert pareto_frontier([]) == []
