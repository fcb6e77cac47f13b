"""Scores and the index, against hand-computed values."""

from __future__ import annotations

import pytest

from agentindex.metrics.scores import (
    benchmark_pass_at_k,
    benchmark_score,
    index_score,
    pass_at_k,
    task_means,
    trial_value,
)


def test_trial_value() -> None:
    assert trial_value(1.0, "reward") == 1.0
    assert trial_value(None, "reward") is None
    assert trial_value(1.0, "zero") == 0.0
    assert trial_value(1.0, "exclude") is None


def test_mean_over_tasks_of_mean_over_attempts() -> None:
    # task a: 1, 0, 1 -> 2/3; task b: 0 -> 0; task c: 1, 1 -> 1; mean = (2/3 + 0 + 1) / 3
    values = [("a", 1.0), ("a", 0.0), ("a", 1.0), ("b", 0.0), ("c", 1.0), ("c", 1.0)]
    assert benchmark_score(values) == pytest.approx((2 / 3 + 0 + 1) / 3)


def test_excluded_attempts_and_tasks_drop_out() -> None:
    assert benchmark_score([("a", 1.0), ("a", None), ("b", None)]) == 1.0
    assert benchmark_score([("a", None)]) is None


def test_index_weights() -> None:
    assert index_score({"t": 0.5, "p": 0.25, "q": 1.0}, {"t": 1, "p": 1, "q": 1}) == \
        pytest.approx(100 * 1.75 / 3)
    assert index_score({"t": 1.0, "p": 0.0}, {"t": 3, "p": 1}) == pytest.approx(75.0)
    assert index_score({"t": 1.0, "p": None}, {"t": 1, "p": 1}) is None


def test_index_is_the_mean_of_benchmark_scores_not_of_tasks_with_unequal_task_counts() -> None:
    # b1: task a 1,1 -> 1; task b 0,0 -> 0; score 0.5. b2: 1, 1, 1, 0 (4 tasks) -> 0.75.
    b1 = benchmark_score([("a", 1.0), ("a", 1.0), ("b", 0.0), ("b", 0.0)])
    b2 = benchmark_score([("c", 1.0), ("d", 1.0), ("e", 1.0), ("f", 0.0)])
    assert (b1, b2) == (0.5, 0.75)
    assert index_score({"b1": b1, "b2": b2}, {"b1": 1, "b2": 1}) == pytest.approx(62.5)
    # The pooled mean over the 6 tasks would be 4/6 = 66.7: not the index.


@pytest.mark.parametrize(("n", "c", "k", "expected"), [
    (3, 1, 1, 1 / 3),  # pass@1 = c / n
    (3, 1, 2, 2 / 3),  # 1 - C(2,2)/C(3,2) = 1 - 1/3
    (3, 1, 3, 1.0),
    (5, 2, 2, 0.7),  # 1 - C(3,2)/C(5,2) = 1 - 3/10
    (4, 0, 2, 0.0),
    (4, 4, 1, 1.0),
])
def test_pass_at_k(n: int, c: int, k: int, expected: float) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(expected)


def test_pass_at_k_needs_k_attempts() -> None:
    with pytest.raises(ValueError):
        pass_at_k(2, 1, 3)
    values = [("a", 1.0), ("a", 0.0), ("a", 0.0), ("b", 1.0), ("b", 1.0), ("b", 0.0)]
    # a: 1 - C(2,2)/C(3,2) = 2/3; b: n - c = 1 < k = 2 -> 1; mean 5/6
    assert benchmark_pass_at_k(values, 2) == pytest.approx(5 / 6)
    assert benchmark_pass_at_k(values, 1) == pytest.approx((1 / 3 + 2 / 3) / 2)
    assert benchmark_pass_at_k([*values, ("c", 1.0)], 2) is None  # c has 1 attempt < 2
    assert benchmark_pass_at_k([("a", None)], 1) is None


def test_task_means() -> None:
    assert task_means([("a", 1.0), ("a", 0.0), ("b", None), ("c", 0.5)]) == {"a": 0.5, "c": 0.5}
