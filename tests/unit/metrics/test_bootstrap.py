"""The clustered bootstrap: tasks are resampled within a benchmark, attempts stay together."""

from __future__ import annotations

import pytest

from agentindex.metrics.bootstrap import Interval, clustered_bootstrap, percentile, replicates
from agentindex.metrics.scores import task_means


def test_percentile_interpolates_between_order_statistics() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == pytest.approx(2.5)
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.025) == pytest.approx(1.075)  # h = 0.075
    assert percentile([1.0, 2.0, 3.0, 4.0], 1.0) == 4.0
    assert percentile([7.0], 0.975) == 7.0


def test_attempts_stay_with_their_task() -> None:
    # Task a always passes (3 of 3), task b never (0 of 3). Resampling tasks gives a score of
    # 0, 1/2 or 1 only; resampling attempts on their own would also give 1/6, 1/3, ...
    means = task_means([("a", 1.0)] * 3 + [("b", 0.0)] * 3)
    reps = replicates({"bench": list(means.values())}, resamples=500, seed=1)
    assert set(reps["bench"]) == {0.0, 0.5, 1.0}


def test_fixed_seed_gives_fixed_bounds() -> None:
    tasks = {"t": [1.0, 0.0, 1.0, 1.0, 0.5], "p": [0.0, 1.0]}
    a = clustered_bootstrap(tasks, {"t": 1, "p": 1}, seed=42)
    b = clustered_bootstrap(tasks, {"t": 1, "p": 1}, seed=42)
    assert a == b
    assert clustered_bootstrap(tasks, {"t": 1, "p": 1}, seed=43) != a
    # Two tasks with means 0 and 1: a replicate is 0 with chance 1/4, so the 2.5% and 97.5%
    # quantiles of 2000 replicates are 0 and 1.
    assert a.benchmarks["p"] == Interval(0.0, 1.0)


def test_one_task_per_benchmark_has_no_spread_and_the_index_combines_benchmarks() -> None:
    cis = clustered_bootstrap({"a": [1.0], "b": [0.0]}, {"a": 3, "b": 1})
    assert cis.benchmarks == {"a": Interval(1.0, 1.0), "b": Interval(0.0, 0.0)}
    assert cis.index == Interval(75.0, 75.0)  # 100 * (3 * 1 + 1 * 0) / 4


def test_index_interval_needs_every_weighted_benchmark() -> None:
    cis = clustered_bootstrap({"a": [1.0, 0.0], "b": []}, {"a": 1, "b": 1})
    assert cis.index is None and cis.benchmarks["b"] is None
    assert cis.benchmarks["a"] == Interval(0.0, 1.0)
