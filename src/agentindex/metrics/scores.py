"""Scores and the index."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping


def trial_value(reward: float | None, score_as: str) -> float | None:
    """What a trial contributes to its task's score: its reward (``reward``), 0 (``zero``), or
    nothing (``exclude``, or ``reward`` with no reward given)."""
    if score_as == "zero":
        return 0.0
    if score_as == "exclude":
        return None
    return reward


def benchmark_score(values: Iterable[tuple[str, float | None]]) -> float | None:
    """Mean over tasks of the mean value over that task's scored attempts (pass@1 for 0/1
    rewards). ``values`` are (task, value) pairs; ``None`` values are left out; a task with no
    scored attempt is left out; no scored task at all gives ``None``."""
    by_task: dict[str, list[float]] = defaultdict(list)
    for task, value in values:
        if value is not None:
            by_task[task].append(value)
    if not by_task:
        return None
    return sum(sum(v) / len(v) for v in by_task.values()) / len(by_task)


def index_score(scores: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    """Σ w_b · score_b / Σ w_b × 100 over the index's benchmarks; ``None`` if any is missing."""
    present = {b: s for b in weights if (s := scores.get(b)) is not None}
    if not weights or len(present) != len(weights):
        return None
    return 100.0 * sum(w * present[b] for b, w in weights.items()) / sum(weights.values())
