"""Each harness's self-report, parsed from realistic payloads (captured from the pins)."""

from __future__ import annotations

import json

from agentindex.agents.builtin import builtin_report
from agentindex.agents.claude_code import claude_report
from agentindex.agents.codex import codex_report
from agentindex.agents.cursor_cli import cursor_report
from agentindex.agents.gemini_cli import gemini_report
from agentindex.agents.harness import json_lines, last_json_object
from agentindex.agents.mini_swe_agent import mini_report
from agentindex.agents.opencode import opencode_report
from agentindex.agents.qwen_code import qwen_report
from agentindex.usage import Usage

CLAUDE_RESULT = {
    "type": "result", "subtype": "success", "duration_ms": 202, "num_turns": 2,
    "session_id": "d8e5", "total_cost_usd": 0.0263,
    "usage": {"input_tokens": 2400, "cache_creation_input_tokens": 1120,
              "cache_read_input_tokens": 6800, "output_tokens": 156,
              "cache_creation": {"ephemeral_1h_input_tokens": 0,
                                 "ephemeral_5m_input_tokens": 1120}},
    "modelUsage": {
        "claude-opus-4-7": {"inputTokens": 2400, "outputTokens": 156,
                            "cacheReadInputTokens": 6800, "cacheCreationInputTokens": 1120,
                            "costUSD": 0.02},
        "claude-haiku-4-5": {"inputTokens": 300, "outputTokens": 10,
                             "cacheReadInputTokens": 0, "cacheCreationInputTokens": 0}}}


def test_claude_code_counts_side_calls_from_model_usage() -> None:
    stdout = '{"type":"system","subtype":"init"}\nnot json\n' + json.dumps(CLAUDE_RESULT) + "\n"
    report = claude_report(json_lines(stdout))
    assert report is not None
    assert report.usage == Usage(input=2700, cache_read=6800, cache_write_5m=1120, output=166)
    assert (report.turns, report.duration_s, report.session_id) == (2, 0.202, "d8e5")
    assert report.cost_usd == 0.0263
    assert claude_report([{"type": "assistant"}]) is None  # killed before its result


def test_claude_code_and_gateway_read_an_empty_cache_split_alike() -> None:
    """``cache_creation: {}`` (no split by lifetime): the writes are the 5-minute total, in the
    self-report exactly as in the gateway's record of the same usage object."""
    from agentindex.gateway.protocols import PROTOCOLS

    usage = {"input_tokens": 10, "cache_creation_input_tokens": 300, "cache_read_input_tokens": 7,
             "output_tokens": 5, "cache_creation": {}}
    report = claude_report([{"type": "result", "usage": usage}])
    assert report is not None
    expected = Usage(input=10, cache_read=7, cache_write_5m=300, output=5)
    assert report.usage == expected
    body = {"type": "message", "role": "assistant", "content": [], "usage": usage}
    assert PROTOCOLS["anthropic"].scan_body(body).usage == expected


def test_codex_sums_turns_and_subtracts_cached_input() -> None:
    events = [{"type": "thread.started", "thread_id": "01a2"},
              {"type": "item.completed", "item": {"type": "error", "message": "metadata"}},
              {"type": "turn.completed", "usage": {
                  "input_tokens": 10320, "cached_input_tokens": 6800,
                  "cache_write_input_tokens": 0, "output_tokens": 156,
                  "reasoning_output_tokens": 24}}]
    report = codex_report(events)
    assert report is not None and report.session_id == "01a2"
    assert report.usage == Usage(input=3520, cache_read=6800, cache_write_5m=0, output=156,
                                 reasoning=24)
    assert report.cost_usd is None and report.turns is None


def test_gemini_cli_output_adds_thoughts() -> None:
    doc = {"session_id": "89ae", "response": "Done.", "stats": {"models": {"m": {
        "api": {"totalRequests": 2, "totalErrors": 0, "totalLatencyMs": 121},
        "tokens": {"input": 3520, "prompt": 10320, "candidates": 132, "total": 10476,
                   "cached": 6800, "thoughts": 24, "tool": 0}}}}}
    text = "YOLO mode is enabled.\n" + json.dumps(doc, indent=2) + "\n"
    report = gemini_report(last_json_object(text))
    assert report is not None
    assert report.usage == Usage(input=3520, cache_read=6800, output=156, reasoning=24)
    assert report.turns == 2 and report.duration_s is None


def test_qwen_code_result_event() -> None:
    result = {"type": "result", "duration_ms": 1779, "num_turns": 2, "session_id": "b88a",
              "usage": {"input_tokens": 10320, "output_tokens": 156,
                        "cache_read_input_tokens": 6800, "total_tokens": 10476},
              "stats": {"models": {"m": {"tokens": {"thoughts": 24}}}}}
    report = qwen_report(result)
    assert report is not None
    assert report.usage == Usage(input=3520, cache_read=6800, output=156, reasoning=24)
    assert (report.turns, report.duration_s) == (2, 1.779)


def test_opencode_sums_step_finish_events() -> None:
    step = {"type": "step_finish", "sessionID": "ses_1", "part": {
        "type": "step-finish", "tokens": {"total": 5238, "input": 1200, "output": 70,
                                          "reasoning": 8, "cache": {"write": 560, "read": 3400}},
        "cost": 0.01}}
    report = opencode_report([{"type": "step_start"}, step, step])
    assert report is not None
    assert report.usage == Usage(input=2400, cache_read=6800, cache_write_5m=1120, output=156,
                                 reasoning=16)
    assert report.turns == 2 and report.cost_usd == 0.02 and report.session_id == "ses_1"


def test_mini_swe_agent_trajectory() -> None:
    usage = {"completion_tokens": 78, "prompt_tokens": 5160,
             "completion_tokens_details": {"reasoning_tokens": 12},
             "prompt_tokens_details": {"cached_tokens": 3400}}
    traj = {"info": {"model_stats": {"instance_cost": 0.0, "api_calls": 2}},
            "messages": [{"role": "system"}, {"role": "assistant",
                                              "extra": {"response": {"usage": usage}}},
                         {"role": "assistant", "extra": {"response": {"usage": usage}}}]}
    report = mini_report(traj)
    assert report is not None
    assert report.usage == Usage(input=3520, cache_read=6800, output=156, reasoning=24)
    assert report.turns == 2 and report.cost_usd == 0.0


def test_builtin_log_uses_the_gateways_conversions() -> None:
    lines = [{"turn": 1, "protocol": "openai-chat", "status": 429, "error": "rate limited"},
             {"turn": 1, "protocol": "openai-chat", "status": 200},
             {"turn": 1, "protocol": "openai-chat", "usage": {
                 "prompt_tokens": 5160, "completion_tokens": 78,
                 "prompt_tokens_details": {"cached_tokens": 3400},
                 "completion_tokens_details": {"reasoning_tokens": 12}}, "tool_calls": 1}]
    report = builtin_report("\n".join(json.dumps(x) for x in lines))
    assert report is not None and report.turns == 1
    assert report.usage == Usage(input=1760, cache_read=3400, output=78, reasoning=12)
    assert builtin_report("") is None


def test_cursor_result_usage() -> None:
    result = {"type": "result", "duration_ms": 5000, "session_id": "c1",
              "usage": {"inputTokens": 100, "outputTokens": 20, "cacheReadTokens": 900,
                        "cacheWriteTokens": 50, "cost": 0.004}}
    report = cursor_report([result])
    assert report is not None
    assert report.usage == Usage(input=100, cache_read=900, cache_write_5m=50, output=20)
    assert report.cost_usd == 0.004 and report.duration_s == 5.0
