"""One trial's model calls summed up: usage, cost, turns, side calls, loops.

Turns are the calls that offered tools (the agent loop's own calls); side calls (title
generation, summaries) offer none and are counted apart. Loops are found in the sequence of the
agent calls' tool-call digests (see :mod:`agentindex.metrics.loops`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from agentindex.metrics.cost import CostSum, Pricer
from agentindex.metrics.loops import find_loops, tokens_in_loops
from agentindex.usage import Usage


class CallRow(NamedTuple):
    """The columns of one ``calls`` row the metrics read (an immutable record; a NamedTuple so a
    million of them load quickly). Token fields are ``None`` when not reported."""

    trial_id: str
    try_no: int
    seq: int
    provider: str
    model: str  # as sent upstream: the price key is ``provider/model``
    started_at: float
    input: int | None
    cache_read: int | None
    cache_write_5m: int | None
    cache_write_1h: int | None
    output: int | None
    reasoning: int | None
    tools_offered: bool
    tool_digest: str | None


CALL_COLUMNS = CallRow._fields


@dataclass(frozen=True)
class TrialCalls:
    """The sums over one try's calls. ``cost`` is a running sum to total with a Pricer."""

    usage: Usage
    cost: CostSum
    side_usage: Usage  # the side calls' part of ``usage``
    calls: int
    agent_calls: int
    side_calls: int
    looped: bool
    loop_tokens: int


def call_usage(c: CallRow) -> Usage:
    return Usage(input=c.input, cache_read=c.cache_read, cache_write_5m=c.cache_write_5m,
                 cache_write_1h=c.cache_write_1h, output=c.output, reasoning=c.reasoning)


def summarise_calls(calls: Iterable[CallRow], pricer: Pricer) -> TrialCalls:
    """Σ usage per field (``None`` only if no call reported it) and the side calls' part of
    it, the cost (Σ per-call prices, via ``pricer``), calls = agent calls + side calls, and
    whether the agent calls loop with the tokens (``Usage.total``) of the calls inside loops.
    ``calls`` must be in ``seq`` order."""
    # One pass, plain locals: this loop runs once per call (a million times in a large job).
    s_in = s_cr = s_w5 = s_w1 = s_out = s_rsn = None
    cost = CostSum()
    add = pricer.add
    digests: list[str | None] = []
    agent_tokens: list[int | None] = []
    side = measured = 0
    side_usage = Usage()
    for _t, _try, _seq, provider, model, started_at, inp, cr, w5, w1, out, rsn, tools, digest \
            in calls:
        if inp is not None:
            s_in = inp if s_in is None else s_in + inp
        if cr is not None:
            s_cr = cr if s_cr is None else s_cr + cr
        if w5 is not None:
            s_w5 = w5 if s_w5 is None else s_w5 + w5
        if w1 is not None:
            s_w1 = w1 if s_w1 is None else s_w1 + w1
        if out is not None:
            s_out = out if s_out is None else s_out + out
        if rsn is not None:
            s_rsn = rsn if s_rsn is None else s_rsn + rsn
        counts = (inp or 0, cr or 0, w5 or 0, w1 or 0, out or 0)
        add(cost, f"{provider}/{model}", counts, started_at)
        reported = not (inp is None and cr is None and w5 is None and w1 is None
                        and out is None)
        measured += reported
        if tools:
            digests.append(digest)
            agent_tokens.append(sum(counts) if reported else None)
        else:
            side += 1
            side_usage = side_usage + Usage(inp, cr, w5, w1, out, rsn)
    cost.calls, cost.measured = len(digests) + side, measured
    spans = find_loops(digests)
    return TrialCalls(Usage(s_in, s_cr, s_w5, s_w1, s_out, s_rsn), cost, side_usage,
                      len(digests) + side, len(digests), side, bool(spans),
                      tokens_in_loops(spans, agent_tokens))
