"""Token mix per task and the cache hit rate, from per-trial usage sums."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import reduce

from agentindex.usage import Usage


@dataclass(frozen=True)
class TokenMix:
    """Mean tokens per task; ``input`` is uncached input; ``total`` = input + cache_read +
    cache_write + output (reasoning is inside output). ``None``: no call reported the field."""

    input: float | None
    cache_read: float | None
    cache_write: float | None
    output: float | None
    reasoning: float | None
    total: float | None


def sum_usage(usages: Iterable[Usage]) -> Usage:
    """Field-wise Σ; a field stays ``None`` only if every usage left it ``None``."""
    return reduce(lambda a, b: a + b, usages, Usage())


def tokens_per_task(trial_usages: Sequence[Usage]) -> TokenMix | None:
    """Per field: Σ over trials of the trial's sum (``None`` counted as 0) / number of trials;
    ``None`` for a field that no trial reported, and no mix at all for no trials."""
    if not trial_usages:
        return None
    n = len(trial_usages)
    total = sum_usage(trial_usages)

    def mean(x: int | None) -> float | None:
        return None if x is None else x / n

    return TokenMix(mean(total.input), mean(total.cache_read), mean(total.cache_write),
                    mean(total.output), mean(total.reasoning), mean(total.total))


def cache_hit_rate(total: Usage) -> float | None:
    """Σ cache_read / Σ (input_uncached + cache_read + cache_write), pooled over calls (pass the
    field-wise sum of every call). ``None`` when no input was reported or none was sent."""
    parts = (total.input, total.cache_read, total.cache_write)
    if all(p is None for p in parts):
        return None
    denominator = sum(p or 0 for p in parts)
    return None if denominator == 0 else (total.cache_read or 0) / denominator
