"""Scripted models over HTTP, in every wire format, streaming and not."""

from __future__ import annotations

import base64
import json
from typing import Any

import aiohttp
import pytest

from agentindex.gateway import CallRecord, ScriptedContext, scripted_usage

from .conftest import Rig

STR = {"type": "string"}
SHELL = {"type": "object", "properties": {"command": STR}, "required": ["command"]}

# protocol -> (path, body with a shell tool, body with one tool result more)
WIRE: dict[str, tuple[str, dict[str, Any]]] = {
    "anthropic": ("/v1/messages", {"model": "m", "max_tokens": 9, "messages": [
        {"role": "system", "content": "system inside messages"},
        {"role": "user", "content": [{"type": "text", "text": "go",
                                      "cache_control": {"type": "ephemeral"}}]}],
        "tools": [{"name": "Bash", "input_schema": SHELL}]}),
    "openai-chat": ("/v1/chat/completions", {"model": "m", "messages": [
        {"role": "user", "content": "go"}],
        "tools": [{"type": "function", "function": {"name": "bash", "parameters": SHELL}}]}),
    "openai-responses": ("/v1/responses", {"model": "m", "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "go"}]}],
        "tools": [{"type": "function", "name": "shell", "parameters": SHELL}]}),
    "gemini": ("/v1beta/models/m:{verb}", {"contents": [{"role": "user", "parts": [
        {"text": "go"}]}], "tools": [{"functionDeclarations": [
            {"name": "run_shell_command", "parameters": SHELL}]}]}),
}


async def _call(url: str, protocol: str, stream: bool,
                body: dict[str, Any]) -> tuple[int, bytes, dict[str, str]]:
    path, _ = WIRE[protocol]
    if protocol == "gemini":
        path = path.format(verb="streamGenerateContent?alt=sse" if stream else "generateContent")
    else:
        body = {**body, "stream": stream}
    async with aiohttp.ClientSession() as session, session.post(url + path, json=body) as resp:
        try:
            data = await resp.read()
        except aiohttp.ClientPayloadError:
            data = b"<cut>"
        return resp.status, data, dict(resp.headers)


@pytest.mark.parametrize("protocol", list(WIRE))
@pytest.mark.parametrize("stream", [False, True])
async def test_oracle_loop_text(rig: Rig, protocol, stream):
    ctx = ScriptedContext(solution="echo solved > /tmp/out", answer="ANSWER-42")
    # scripts are sent base64-encoded, past any harness's command filter
    for behaviour, needle in [("oracle", base64.b64encode(b"echo solved > /tmp/out")),
                              ("loop", base64.b64encode(b"ls")), ("text", b"ANSWER-42")]:
        records: list[CallRecord] = []
        route = rig.gateway.open_trial("t", 1, model=f"scripted/{behaviour}",
                                       sink=records.append, context=ctx)
        for _ in range(2):
            status, data, _ = await _call(route.base_url, protocol, stream, WIRE[protocol][1])
            assert status == 200 and needle in data
        assert [r.usage for r in records] == [scripted_usage(protocol)] * 2
        assert all(r.tools_offered and r.provider == "scripted" for r in records)
        assert all(r.model == behaviour for r in records)
        if behaviour != "text":
            assert records[0].tool_digest is not None
            assert records[0].tool_digest == records[1].tool_digest
    assert rig.upstream.seen == []


@pytest.mark.parametrize("protocol", list(WIRE))
async def test_flaky_then_success(rig: Rig, protocol):
    records: list[CallRecord] = []
    route = rig.gateway.open_trial("t", 1, model="scripted/flaky", sink=records.append)
    first = await _call(route.base_url, protocol, True, WIRE[protocol][1])
    second = await _call(route.base_url, protocol, True, WIRE[protocol][1])
    third = await _call(route.base_url, protocol, True, WIRE[protocol][1])
    assert (first[0], first[2]["Retry-After"]) == (429, "1")
    assert second[0] == 529 and third[0] == 200
    assert [r.status for r in records] == [429, 529, 200]
    assert records[0].usage.total is None and records[2].usage == scripted_usage(protocol)


@pytest.mark.parametrize("protocol", list(WIRE))
@pytest.mark.parametrize("stream", [False, True])
async def test_cut(rig: Rig, protocol, stream):
    records: list[CallRecord] = []
    route = rig.gateway.open_trial("t", 1, model="scripted/cut", sink=records.append)
    status, data, _ = await _call(route.base_url, protocol, stream, WIRE[protocol][1])
    assert status == 200 and data == b"<cut>"
    assert records[0].error == "stream cut (scripted/cut)"


async def test_oracle_progress_comes_from_the_conversation(rig: Rig):
    records: list[CallRecord] = []
    route = rig.gateway.open_trial("t", 1, model="scripted/oracle", sink=records.append,
                                   context=ScriptedContext(solution="true", answer="fin"))
    _path, body = WIRE["openai-chat"]
    done = {**body, "messages": [*body["messages"],
                                 {"role": "assistant", "tool_calls": [{
                                     "id": "c", "type": "function",
                                     "function": {"name": "bash", "arguments": "{}"}}]},
                                 {"role": "tool", "tool_call_id": "c", "content": "ok"}]}
    _, data, _ = await _call(route.base_url, "openai-chat", False, done)
    message = json.loads(data)["choices"][0]["message"]
    assert message["content"] == "fin" and "tool_calls" not in message
    assert records[0].tool_digest is None


async def test_scripted_price_option_is_kept_in_the_record(rig: Rig):
    records: list[CallRecord] = []
    route = rig.gateway.open_trial(
        "t", 1, model="scripted/text?price=anthropic/claude-sonnet-4-5", sink=records.append)
    status, _, _ = await _call(route.base_url, "anthropic", False, WIRE["anthropic"][1])
    assert status == 200
    assert records[0].model == "text?price=anthropic/claude-sonnet-4-5"
    row = records[0].to_row()
    assert row["input"] == 1200 and row["cache_write_5m"] == 560 and "usage" not in row
