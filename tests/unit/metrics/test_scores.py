"""Scores and the index, against hand-computed values."""

from __future__ import annotations

import pytest

from agentindex.metrics.scores import benchmark_score, index_score, trial_value


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
