"""Loop detection on crafted sequences of tool-call digests."""

from __future__ import annotations

import pytest

from agentindex.metrics.loops import Span, find_loops, loop_rate, tokens_in_loops


@pytest.mark.parametrize(("calls", "spans"), [
    ("aaa", [Span(0, 3)]),  # the same call 3 times in a row
    ("xaaay", [Span(1, 4)]),
    ("aaaaa", [Span(0, 5)]),
    ("ababab", [Span(0, 6)]),  # a cycle of 2, 3 times
    ("abcabcabc", [Span(0, 9)]),  # a cycle of 3, 3 times
    ("zabcabcabcz", [Span(1, 10)]),
    ("aaaxbbb", [Span(0, 3), Span(4, 7)]),
])
def test_loops_found(calls: str, spans: list[Span]) -> None:
    assert find_loops(list(calls)) == spans


@pytest.mark.parametrize("calls", [
    "",
    "aa",  # twice is not a loop
    "aabaa",
    "ababa",  # a cycle of 2, 2.5 times
    "abcabcab",  # a cycle of 3, not quite 3 times
    "abcdabcdabcd",  # a cycle of 4 is longer than 3
    "abcdefgh",
])
def test_no_loop(calls: str) -> None:
    assert find_loops(list(calls)) == []


def test_a_call_without_tool_call_breaks_a_run() -> None:
    assert find_loops(["a", "a", None, "a"]) == []
    assert find_loops([None, None, None]) == []
    assert find_loops(["a", "a", "a", None, "a", "a"]) == [Span(0, 3)]


def test_tokens_in_loops_and_loop_rate() -> None:
    digests = ["x", "a", "a", "a", "y"]
    tokens = [1000, 10, 20, None, 5000]
    assert tokens_in_loops(find_loops(digests), tokens) == 30
    assert loop_rate([True, False, False, False]) == 0.25
    assert loop_rate([]) is None
