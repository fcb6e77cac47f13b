"""Scores and the index."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from math import comb


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


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k of one task (Chen et al. 2021): 1 − C(n−c, k) / C(n, k), the chance that at
    least one of k attempts drawn without replacement from the n made (c of them successes)
    succeeds. Requires 1 ≤ k ≤ n and 0 ≤ c ≤ n."""
    if not 1 <= k <= n or not 0 <= c <= n:
        raise ValueError(f"pass@k needs 1 <= k <= n and 0 <= c <= n (n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def benchmark_pass_at_k(values: Iterable[tuple[str, float | None]], k: int) -> float | None:
    """Mean over tasks of :func:`pass_at_k` with n = the task's scored attempts and c = those with
    value ≥ 1 (a success). ``None`` when no task is scored or any scored task has fewer than k
    scored attempts (the estimator needs attempts ≥ k)."""
    by_task: dict[str, list[float]] = defaultdict(list)
    for task, value in values:
        if value is not None:
            by_task[task].append(value)
    if not by_task or any(len(v) < k for v in by_task.values()):
        return None
    return sum(pass_at_k(len(v), sum(x >= 1.0 for x in v), k)
               for v in by_task.values()) / len(by_task)


def task_means(values: Iterable[tuple[str, float | None]]) -> dict[str, float]:
    """task -> mean value over its scored attempts (tasks with none are left out); the unit the
    bootstrap resamples, since a benchmark score is the mean of these."""
    by_task: dict[str, list[float]] = defaultdict(list)
    for task, value in values:
        if value is not None:
            by_task[task].append(value)
    return {t: sum(v) / len(v) for t, v in by_task.items()}
