"""Trajectory conversions: one table per wire protocol (request, JSON response, stream), from
payloads in each provider's documented shape, and the recorder's diffing and classification."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agentindex.gateway.transcript import CONVERTERS, Item
from agentindex.gateway.transcript.recorder import (
    Recorder,
    exit_failed,
    refused,
    response_items,
)
from agentindex.results.trajectory import Message, ToolCallEvent, ToolResultEvent

CMD = {"command": "ls -la /app"}


def sse(events: list[dict[str, Any]], named: bool = False) -> bytes:
    out = b""
    for e in events:
        if named:
            out += f"event: {e['type']}\n".encode()
        out += b"data: " + json.dumps(e).encode() + b"\n\n"
    return out


# --- requests: each protocol's conversation -> the same items ---------------------------------

EXPECTED_REQUEST = [
    Item("system", "You are a coding agent."),
    Item("user", "Fix the bug."),
    Item("assistant", "Looking.", None),
    Item("tool_call", name="bash", arguments=CMD, call_id="c1"),
    Item("tool_result", "total 0", call_id="c1"),
]

REQUESTS: dict[str, dict[str, Any]] = {
    "anthropic": {
        "model": "claude-opus-4-7", "max_tokens": 1024,
        "system": [{"type": "text", "text": "You are a coding agent.",
                    "cache_control": {"type": "ephemeral"}}],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "Fix the bug."}]},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "", "signature": "sig"},
                {"type": "text", "text": "Looking."},
                {"type": "tool_use", "id": "c1", "name": "bash", "input": CMD}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "c1",
                                          "content": [{"type": "text", "text": "total 0"}]}]},
        ]},
    "openai-chat": {
        "model": "glm-5.1", "stream": True,
        "messages": [
            {"role": "system", "content": "You are a coding agent."},
            {"role": "user", "content": [{"type": "text", "text": "Fix the bug."}]},
            {"role": "assistant", "content": "Looking.", "tool_calls": [
                {"id": "c1", "type": "function",
                 "function": {"name": "bash", "arguments": json.dumps(CMD)}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "total 0"},
        ]},
    "openai-responses": {
        "model": "gpt-5.5", "instructions": "You are a coding agent.", "stream": True,
        "input": [
            {"type": "message", "role": "user",
             "content": [{"type": "input_text", "text": "Fix the bug."}]},
            {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAA"},
            {"type": "message", "role": "assistant",
             "content": [{"type": "output_text", "text": "Looking."}]},
            {"type": "function_call", "call_id": "c1", "name": "bash",
             "arguments": json.dumps(CMD)},
            {"type": "function_call_output", "call_id": "c1", "output": "total 0"},
        ]},
    "gemini": {
        "systemInstruction": {"parts": [{"text": "You are a coding agent."}]},
        "contents": [
            {"role": "user", "parts": [{"text": "Fix the bug."}]},
            {"role": "model", "parts": [{"text": "Looking."},
                                        {"functionCall": {"id": "c1", "name": "bash",
                                                          "args": CMD}}]},
            {"role": "user", "parts": [{"functionResponse": {
                "id": "c1", "name": "bash", "response": {"output": "total 0"}}}]},
        ]},
}


@pytest.mark.parametrize("protocol", sorted(REQUESTS))
def test_request_items(protocol: str) -> None:
    assert CONVERTERS[protocol].request(REQUESTS[protocol]) == EXPECTED_REQUEST


def test_flags_and_shapes_each_protocol_has() -> None:
    anthropic = CONVERTERS["anthropic"].request({"messages": [
        {"role": "user", "content": "plain"},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "is_error": True,
                                      "content": "Exit code 2\nboom"},
                                     {"type": "text", "text": "and more"}]}]})
    assert anthropic == [Item("user", "plain"),
                         Item("tool_result", "Exit code 2\nboom", call_id="t", is_error=True),
                         Item("user", "and more")]
    gemini = CONVERTERS["gemini"].request({"contents": [{"role": "user", "parts": [
        {"functionResponse": {"name": "run_shell_command",
                              "response": {"error": "Command injection detected"}}}]}]})
    assert gemini == [Item("tool_result", "Command injection detected",
                           call_id="run_shell_command", is_error=True)]
    responses = CONVERTERS["openai-responses"].request({"input": "just text"})
    assert responses == [Item("user", "just text")]


# --- responses: JSON bodies and streams -> what the model said ---------------------------------

SAID = [Item("assistant", "I will list.", "Need to look first."),
        Item("tool_call", name="bash", arguments=CMD, call_id="c2")]

ANTHROPIC_BODY = {
    "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-opus-4-7",
    "content": [{"type": "thinking", "thinking": "Need to look first.", "signature": "s"},
                {"type": "text", "text": "I will list."},
                {"type": "tool_use", "id": "c2", "name": "bash", "input": CMD}],
    "stop_reason": "tool_use", "usage": {"input_tokens": 10, "output_tokens": 5}}

ANTHROPIC_STREAM = [
    {"type": "message_start", "message": {**ANTHROPIC_BODY, "content": []}},
    {"type": "content_block_start", "index": 0,
     "content_block": {"type": "thinking", "thinking": ""}},
    {"type": "content_block_delta", "index": 0,
     "delta": {"type": "thinking_delta", "thinking": "Need to look "}},
    {"type": "content_block_delta", "index": 0,
     "delta": {"type": "thinking_delta", "thinking": "first."}},
    {"type": "content_block_delta", "index": 0,
     "delta": {"type": "signature_delta", "signature": "s"}},
    {"type": "content_block_stop", "index": 0},
    {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "I will"}},
    {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": " list."}},
    {"type": "content_block_stop", "index": 1},
    {"type": "content_block_start", "index": 2,
     "content_block": {"type": "tool_use", "id": "c2", "name": "bash", "input": {}}},
    {"type": "content_block_delta", "index": 2,
     "delta": {"type": "input_json_delta", "partial_json": '{"command": "ls'}},
    {"type": "content_block_delta", "index": 2,
     "delta": {"type": "input_json_delta", "partial_json": ' -la /app"}'}},
    {"type": "content_block_stop", "index": 2},
    {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 5}},
    {"type": "message_stop"},
]

CHAT_BODY = {
    "id": "chatcmpl-1", "object": "chat.completion", "model": "deepseek-v4-pro",
    "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
        "role": "assistant", "content": "I will list.",
        "reasoning_content": "Need to look first.",
        "tool_calls": [{"id": "c2", "type": "function",
                        "function": {"name": "bash", "arguments": json.dumps(CMD)}}]}}],
    "usage": {"prompt_tokens": 10, "completion_tokens": 5}}


def _chat_chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


CHAT_STREAM = [
    _chat_chunk({"role": "assistant", "content": ""}),
    _chat_chunk({"reasoning_content": "Need to look "}),
    _chat_chunk({"reasoning_content": "first."}),
    _chat_chunk({"content": "I will"}),
    _chat_chunk({"content": " list."}),
    _chat_chunk({"tool_calls": [{"index": 0, "id": "c2", "type": "function",
                                 "function": {"name": "bash", "arguments": ""}}]}),
    _chat_chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"command": '}}]}),
    _chat_chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"ls -la /app"}'}}]}),
    _chat_chunk({}, "tool_calls"),
    {"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [],
     "usage": {"prompt_tokens": 10, "completion_tokens": 5}},
]

RESPONSES_OUTPUT = [
    {"type": "reasoning", "id": "rs_1",
     "summary": [{"type": "summary_text", "text": "Need to look first."}]},
    {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
     "content": [{"type": "output_text", "text": "I will list.", "annotations": []}]},
    {"type": "function_call", "id": "fc_1", "call_id": "c2", "name": "bash",
     "arguments": json.dumps(CMD), "status": "completed"},
]
RESPONSES_BODY = {"id": "resp_1", "object": "response", "status": "completed",
                  "output": RESPONSES_OUTPUT, "usage": {"input_tokens": 10, "output_tokens": 5}}
RESPONSES_STREAM = [
    {"type": "response.created", "response": {**RESPONSES_BODY, "output": [],
                                              "status": "in_progress"}},
    {"type": "response.output_item.added", "output_index": 0,
     "item": {**RESPONSES_OUTPUT[0], "summary": []}},
    {"type": "response.reasoning_summary_text.delta", "output_index": 0, "delta": "Need"},
    {"type": "response.output_item.done", "output_index": 0, "item": RESPONSES_OUTPUT[0]},
    {"type": "response.output_text.delta", "output_index": 1, "delta": "I will list."},
    {"type": "response.output_item.done", "output_index": 1, "item": RESPONSES_OUTPUT[1]},
    {"type": "response.function_call_arguments.delta", "output_index": 2, "delta": "{"},
    {"type": "response.output_item.done", "output_index": 2, "item": RESPONSES_OUTPUT[2]},
    {"type": "response.completed", "response": RESPONSES_BODY},
]

GEMINI_BODY = {
    "candidates": [{"index": 0, "finishReason": "STOP", "content": {"role": "model", "parts": [
        {"text": "Need to look first.", "thought": True},
        {"text": "I will list."},
        {"functionCall": {"id": "c2", "name": "bash", "args": CMD}}]}}],
    "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5}}
GEMINI_STREAM = [
    {"candidates": [{"index": 0, "content": {"role": "model", "parts": [
        {"text": "Need to look ", "thought": True}]}}]},
    {"candidates": [{"index": 0, "content": {"role": "model", "parts": [
        {"text": "first.", "thought": True}, {"text": "I will"}]}}]},
    {"candidates": [{"index": 0, "content": {"role": "model", "parts": [{"text": " list."}]}}]},
    {"candidates": [{"index": 0, "content": {"role": "model", "parts": [
        {"functionCall": {"id": "c2", "name": "bash", "args": CMD}}]}, "finishReason": "STOP"}],
     "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5}},
]

RESPONSES = {
    "anthropic": (ANTHROPIC_BODY, sse(ANTHROPIC_STREAM, named=True)),
    "openai-chat": (CHAT_BODY, sse(CHAT_STREAM) + b"data: [DONE]\n\n"),
    "openai-responses": (RESPONSES_BODY, sse(RESPONSES_STREAM, named=True)),
    "gemini": (GEMINI_BODY, sse(GEMINI_STREAM).replace(b"\n\n", b"\r\n\r\n")),
}


@pytest.mark.parametrize("protocol", sorted(RESPONSES))
@pytest.mark.parametrize("stream", [False, True])
def test_response_items(protocol: str, stream: bool) -> None:
    body, events = RESPONSES[protocol]
    if stream:
        got = response_items(protocol, "text/event-stream; charset=utf-8", events)
    else:
        got = response_items(protocol, "application/json", json.dumps(body).encode())
    assert got == SAID


def test_response_bytes_that_do_not_parse_give_no_items() -> None:
    assert response_items("anthropic", "application/json", b"{not json") == []
    assert response_items("openai-chat", "text/event-stream", b"data: {bad\n\n") == []


# --- the recorder: only what is new; tool results classified ---------------------------------

def test_recorder_keeps_only_what_is_new_and_system_once_per_change() -> None:
    rec = Recorder(try_no=1)
    first = [Item("system", "S"), Item("user", "do it")]
    said = [Item("tool_call", name="bash", arguments=CMD, call_id="c1")]
    ev1 = rec.events(seq=1, side=False, request=first, response=said, started_at=1, ended_at=2)
    assert [type(e) for e in ev1] == [Message, Message, ToolCallEvent]
    assert [e.at for e in ev1] == [1, 1, 2]
    second = [*first, *said, Item("tool_result", "ok", call_id="c1")]
    ev2 = rec.events(seq=2, side=False, request=second, response=[Item("assistant", "Done.")],
                     started_at=3, ended_at=4)
    assert [(e.kind, e.seq) for e in ev2] == [("tool_result", 2), ("message", 2)]
    # a side call (no tools) is its own thread; its system prompt is new there
    side = rec.events(seq=3, side=True, request=[Item("system", "S"), Item("user", "title?")],
                      response=[Item("assistant", "A title")], started_at=5, ended_at=6)
    assert [e.side for e in side] == [True, True, True]
    # compaction: the history is rewritten, the system prompt is the same
    third = [Item("system", "S"), Item("user", "summary of earlier work")]
    ev3 = rec.events(seq=4, side=False, request=third, response=[], started_at=7, ended_at=8)
    assert [(e.kind, getattr(e, "text", None)) for e in ev3] == [
        ("message", "summary of earlier work")]


def test_tool_results_are_classified_and_cut() -> None:
    rec = Recorder(try_no=2, max_text=10)
    request = [
        Item("tool_result", "Command injection detected: command substitution syntax ($(), "
             "backticks, <() or >()) found in command arguments.", call_id="a"),
        Item("tool_result", "Output: x\nExit Code: 1", call_id="b"),
        Item("tool_result", "<returncode>0</returncode>\n<output>ok</output>", call_id="c"),
        Item("tool_result", "fine", call_id="d"),
    ]
    events = rec.events(seq=1, side=False, request=request, response=[], started_at=0, ended_at=0)
    assert all(isinstance(e, ToolResultEvent) for e in events)
    results = [e for e in events if isinstance(e, ToolResultEvent)]
    assert [(r.refused, r.is_error, r.truncated) for r in results] == [
        (True, True, True), (False, True, True), (False, False, True), (False, None, False)]
    assert results[0].text == "Command in" and results[0].try_no == 2


@pytest.mark.parametrize(("text", "expected"), [
    ("Command injection detected: command substitution syntax ($(), backticks, <() or >()) "
     "found in command arguments. This is a security risk and the command was blocked.", True),
    ("Permission to use Bash with command rm -rf / has been denied.", True),
    ("exec command rejected by user", True),
    ("The user rejected permission to use this specific tool call.", True),
    ("the word injection alone", False),
])
def test_refusal_texts_of_each_harness(text: str, expected: bool) -> None:
    assert refused(text) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Exit Code: 0", False), ("Process exited with code 127", True),
    ('{"output":"x","metadata":{"exit_code":2}}', True), ("no status here", None),
    ('{\n  "returncode": 0,\n  "output": ""\n}', False),  # mini-swe-agent
])
def test_exit_status(text: str, expected: bool | None) -> None:
    assert exit_failed(text) is expected
