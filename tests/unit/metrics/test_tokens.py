"""Tokens per task and the pooled cache hit rate."""

from __future__ import annotations

import pytest

from agentindex.metrics.tokens import TokenMix, cache_hit_rate, sum_usage, tokens_per_task
from agentindex.usage import Usage


def test_cache_hit_rate_of_one_scripted_call() -> None:
    u = Usage(input=1200, cache_read=3400, cache_write_5m=560, cache_write_1h=0, output=78)
    assert cache_hit_rate(u) == pytest.approx(3400 / 5160)


def test_cache_hit_rate_is_pooled_over_calls_not_a_mean_of_rates() -> None:
    calls = [Usage(input=0, cache_read=100), Usage(input=900, cache_read=0, cache_write_5m=100)]
    # rates 1.0 and 0.0 would average 0.5; pooled: 100 / (100 + 900 + 100)
    assert cache_hit_rate(sum_usage(calls)) == pytest.approx(100 / 1100)


def test_cache_hit_rate_unreported_or_empty_is_none() -> None:
    assert cache_hit_rate(Usage(output=5)) is None
    assert cache_hit_rate(Usage(input=0, cache_read=0)) is None
    assert cache_hit_rate(Usage(input=10)) == 0.0


def test_tokens_per_task_means_per_field_and_keeps_unreported_as_none() -> None:
    trials = [Usage(input=100, cache_read=1000, cache_write_5m=10, output=50),
              Usage(input=300, cache_read=0, cache_write_1h=30, output=150),
              Usage()]  # a trial that made no call spent nothing
    assert tokens_per_task(trials) == TokenMix(
        input=400 / 3, cache_read=1000 / 3, cache_write=40 / 3, output=200 / 3,
        reasoning=None, total=1640 / 3)
    assert tokens_per_task([]) is None
