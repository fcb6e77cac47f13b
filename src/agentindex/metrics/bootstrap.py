"""95% confidence intervals by a bootstrap that resamples tasks within each benchmark."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

RESAMPLES = 2000
SEED = 0
LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


@dataclass(frozen=True)
class BootstrapCIs:
    """Per-benchmark score intervals and the index interval (``None`` where not defined)."""

    benchmarks: dict[str, Interval | None]
    index: Interval | None


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-quantile (0 ≤ q ≤ 1) of already sorted values by linear interpolation between order
    statistics: h = (n − 1)·q, x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]) (Hyndman–Fan type 7)."""
    if not sorted_values:
        raise ValueError("percentile of no values")
    h = (len(sorted_values) - 1) * q
    lo = int(h)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


def replicates(tasks: Mapping[str, Sequence[float]], resamples: int = RESAMPLES,
               seed: int | str = SEED) -> dict[str, list[float]]:
    """Bootstrap replicates of each benchmark score. ``tasks`` maps benchmark -> the mean value of
    each of its tasks over that task's attempts. Replicate b of benchmark B draws n_B tasks with
    replacement from B's n_B tasks and takes the mean of their means, so a task's attempts always
    travel together (a clustered bootstrap). Benchmarks are drawn in sorted order from one
    ``random.Random(seed)``: a seed gives the same replicates on every machine."""
    rng = random.Random(seed)
    out: dict[str, list[float]] = {b: [] for b in tasks}
    ordered = [(b, list(tasks[b])) for b in sorted(tasks) if tasks[b]]
    for _ in range(resamples):
        for bench, means in ordered:
            out[bench].append(sum(rng.choices(means, k=len(means))) / len(means))
    return out


def clustered_bootstrap(tasks: Mapping[str, Sequence[float]],
                        weights: Mapping[str, float] | None, *, resamples: int = RESAMPLES,
                        seed: int | str = SEED, level: float = LEVEL) -> BootstrapCIs:
    """Percentile intervals at ``level`` from :func:`replicates`: per benchmark the
    ((1−level)/2, (1+level)/2) quantiles of its replicates; for the index, the same quantiles of
    100·Σ_B w_B·score_B,b / Σ_B w_B over replicates b (benchmarks resampled jointly). A benchmark
    with no scored task has no interval, nor then has the index."""
    reps = replicates(tasks, resamples, seed)
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2

    def interval(values: list[float]) -> Interval | None:
        if not values:
            return None
        s = sorted(values)
        return Interval(percentile(s, lo_q), percentile(s, hi_q))

    per_bench = {b: interval(reps.get(b, [])) for b in tasks}
    index: Interval | None = None
    if weights and all(reps.get(b) for b in weights):
        total = sum(weights.values())
        index_reps = [100.0 * sum(w * reps[b][i] for b, w in weights.items()) / total
                      for i in range(resamples)]
        index = interval(index_reps)
    return BootstrapCIs(per_bench, index)
