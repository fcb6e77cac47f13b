"""Loops: an agent repeating the same tool call, or a short cycle of tool calls.

Definition (docs/ARCHITECTURE.md, "Metering"): a trial loops if its agent issues the same
normalised tool call (name + arguments, as the gateway's ``tool_digest``) ≥ 3 times in a row, or
repeats a cycle of ≤ 3 calls ≥ 3 times in a row. The sequence is the agent calls of the trial in
order (side calls, which offer no tools, are left out); a call with no tool call breaks any run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MIN_REPEATS = 3
MAX_PERIOD = 3


@dataclass(frozen=True)
class Span:
    """Calls ``start`` .. ``end - 1`` of the sequence are inside a loop."""

    start: int
    end: int


def find_loops(digests: Sequence[str | None], min_repeats: int = MIN_REPEATS,
               max_period: int = MAX_PERIOD) -> list[Span]:
    """Maximal stretches that repeat a cycle of period p ≤ ``max_period`` at least
    ``min_repeats`` times: d[j] = d[j+p] (both not ``None``) for every j of a run of m
    consecutive positions, with m + p ≥ min_repeats·p. Overlapping stretches are merged."""
    spans: list[Span] = []
    n = len(digests)
    for p in range(1, max_period + 1):
        j = 0
        while j + p < n:
            k = j
            while k + p < n and digests[k] is not None and digests[k] == digests[k + p]:
                k += 1
            if (k - j) + p >= min_repeats * p and k > j:
                spans.append(Span(j, k + p))
            j = max(k, j + 1)
    return _merge(spans)


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.start, s.end)):
        if merged and s.start < merged[-1].end:
            merged[-1] = Span(merged[-1].start, max(merged[-1].end, s.end))
        else:
            merged.append(s)
    return merged


def tokens_in_loops(spans: Sequence[Span], call_tokens: Sequence[int | None]) -> int:
    """Σ tokens (``Usage.total``; ``None`` as 0) of the calls inside the spans; ``call_tokens``
    is aligned with the digest sequence the spans were found in."""
    return sum(t or 0 for s in spans for t in call_tokens[s.start:s.end])


def loop_rate(looped: Sequence[bool]) -> float | None:
    """Share of trials that loop: Σ looped / number of trials (``None`` for no trials)."""
    return sum(looped) / len(looped) if looped else None
