"""One trial's calls summed up: usage, turns, side calls, loops, cost."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from agentindex.metrics.cost import Pricer
from agentindex.metrics.trials import CallRow, summarise_calls
from agentindex.usage import Usage

MODEL = "scripted/oracle?price=anthropic/claude-sonnet-4-5"


def _call(seq: int, digest: str | None, tools: bool = True,
          usage: tuple[int | None, ...] = (1200, 3400, 560, 0, 78, None)) -> CallRow:
    provider, _, model = MODEL.partition("/")
    return CallRow("t", 1, seq, provider, model, 1_780_000_000.0 + seq, *usage, tools, digest)


def test_summary_of_a_looping_trial_with_a_side_call() -> None:
    calls = [_call(1, "read"), _call(2, None, tools=False), _call(3, "ls"), _call(4, "ls"),
             _call(5, "ls"), _call(6, None)]
    pricer = Pricer(date(2026, 5, 1))
    s = summarise_calls(calls, pricer)
    assert s.usage == Usage(input=7200, cache_read=20400, cache_write_5m=3360, cache_write_1h=0,
                            output=468, reasoning=None)
    assert (s.calls, s.agent_calls, s.side_calls) == (6, 5, 1)
    # The side call between "read" and the first "ls" is not in the agent's sequence.
    assert s.looped and s.loop_tokens == 3 * (1200 + 3400 + 560 + 78)
    assert pricer.total(s.cost) == Decimal("0.04734")  # 6 calls x 0.00789


def test_no_loop_and_unreported_fields() -> None:
    calls = [_call(1, "a", usage=(10, None, None, None, 5, 2)), _call(2, "b"),
             _call(3, "a", usage=(None, None, None, None, None, None))]
    s = summarise_calls(calls, Pricer(date(2026, 5, 1)))
    assert not s.looped and s.loop_tokens == 0
    assert s.usage == Usage(input=1210, cache_read=3400, cache_write_5m=560, cache_write_1h=0,
                            output=83, reasoning=2)
