"""The Pareto frontier of score against cost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    label: str
    cost: float
    score: float


def pareto_frontier(points: Sequence[Point]) -> list[str]:
    """Labels of the points no other point dominates, by increasing cost. Q dominates P if
    Q.cost ≤ P.cost and Q.score ≥ P.score with at least one strict. Equal points both stay."""
    front = [p for p in points
             if not any(q.cost <= p.cost and q.score >= p.score
                        and (q.cost < p.cost or q.score > p.score) for q in points)]
    return [p.label for p in sorted(front, key=lambda p: (p.cost, -p.score, p.label))]
