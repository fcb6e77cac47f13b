"""``local/smollm2`` over HTTP: the real model, in every wire format, streaming and not; usage
from its tokenizer and KV cache; calls queued; malformed output and a missing runtime."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from agentindex.gateway import CallRecord, Gateway
from agentindex.gateway.local import runtime
from agentindex.gateway.local.chat_format import parse_output
from agentindex.gateway.protocols import PROTOCOLS
from agentindex.gateway.wire import tool_digest

from ..local_trace import check_usage, read_trace
from .test_scripted_wire import WIRE, _call

pytestmark = pytest.mark.integration


@pytest.fixture
async def gateway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Gateway]:
    monkeypatch.setenv("AGENTINDEX_LOCAL_TRACE", str(tmp_path / "trace.jsonl"))
    async with Gateway() as gw:
        yield gw


def _rows(records: list[CallRecord]) -> list[dict[str, Any]]:
    return [r.to_row() for r in records]


def _continued(protocol: str, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with an assistant answer and one more user message."""
    match protocol:
        case "anthropic" | "openai-chat":
            more = [{"role": "assistant", "content": "I will look."},
                    {"role": "user", "content": "Go on."}]
            return {**body, "messages": [*body["messages"], *more]}
        case "openai-responses":
            more = [{"role": "assistant", "content": "I will look."},
                    {"role": "user", "content": "Go on."}]
            return {**body, "input": [*body["input"], *more]}
    more = [{"role": "model", "parts": [{"text": "I will look."}]},
            {"role": "user", "parts": [{"text": "Go on."}]}]
    return {**body, "contents": [*body["contents"], *more]}


@pytest.mark.parametrize("protocol", list(WIRE))
@pytest.mark.parametrize("stream", [False, True])
async def test_every_protocol_real_tokens_and_prefix_reuse(gateway: Gateway, tmp_path: Path,
                                                           protocol: str, stream: bool) -> None:
    records: list[CallRecord] = []
    route = gateway.open_trial("t", 1, model="local/smollm2?max_tokens=24", sink=records.append)
    body = WIRE[protocol][1]
    for request in (body, _continued(protocol, body)):
        status, data, _ = await _call(route.base_url, protocol, stream, request)
        assert status == 200, data
        # What the client got is what the model wrote: its tool call, or none.
        wire = PROTOCOLS[protocol]
        if stream:
            scanner = wire.stream_scanner(wire.parse_request({**request, "stream": True}, "m"))
            scanner.feed(data)
            scan = scanner.finish()[1]
        else:
            scan = wire.scan_body(json.loads(data))
        assert scan.tool_digest == records[-1].tool_digest
    trace = read_trace(tmp_path / "trace.jsonl")
    assert [r.status for r in records] == [200, 200]
    assert all(r.provider == "local" and r.protocol == protocol for r in records)
    for row, record in zip(_rows(records), records, strict=True):
        seen = check_usage(row, trace)
        tools = PROTOCOLS[protocol].parse_request(WIRE[protocol][1], "m").tools
        parsed = parse_output(seen["text"], tools)
        assert record.tool_digest == tool_digest([parsed.call] if parsed.call else [])
        assert record.queue_s is not None and record.queue_s >= 0
    first, second = records
    # The second prompt extends the first: all of it but the assistant header came from the cache.
    prompt_1 = (first.usage.input or 0) + (first.usage.cache_read or 0)
    assert (second.usage.cache_read or 0) >= prompt_1 - 4


async def test_concurrent_calls_queue_for_the_one_model(gateway: Gateway, tmp_path: Path) -> None:
    records: list[CallRecord] = []
    routes = [gateway.open_trial(f"t{i}", 1, model="local/smollm2?max_tokens=16",
                                 sink=records.append) for i in range(3)]
    results = await asyncio.gather(*(_call(r.base_url, "openai-chat", False,
                                           WIRE["openai-chat"][1]) for r in routes))
    assert [status for status, _, _ in results] == [200, 200, 200]
    trace = read_trace(tmp_path / "trace.jsonl")
    for row in _rows(records):
        check_usage(row, trace)
    # One generation at a time: the last in line waited at least as long as the first one ran.
    waits = sorted(r.queue_s or 0 for r in records)
    first_run = min((r.ended_at or 0) - r.started_at - (r.queue_s or 0) for r in records)
    assert waits[-1] >= first_run * 0.9


@pytest.mark.parametrize("protocol", list(WIRE))
async def test_a_completion_cut_mid_call_is_sent_as_text(gateway: Gateway, tmp_path: Path,
                                                         protocol: str) -> None:
    """3 tokens per turn: a model that starts a tool call cannot finish it. Whatever it wrote
    goes back as plain text (no tool call), and the call is recorded with what went wrong."""
    records: list[CallRecord] = []
    route = gateway.open_trial("t", 1, model="local/smollm2?max_tokens=3", sink=records.append)
    status, data, _ = await _call(route.base_url, protocol, False, WIRE[protocol][1])
    assert status == 200, data
    seen = check_usage(_rows(records)[0], read_trace(tmp_path / "trace.jsonl"))
    assert records[0].tool_digest is None and (records[0].usage.output or 0) <= 3
    assert json.dumps(seen["text"])[1:-1] in data.decode()
    if "<tool_call>" in seen["text"]:
        assert (records[0].error or "").startswith("malformed tool call, sent as text")


async def test_turn_limit_answers_without_the_model(gateway: Gateway) -> None:
    records: list[CallRecord] = []
    route = gateway.open_trial("t", 1, model="local/smollm2?max_tokens=8&max_turns=1",
                               sink=records.append)
    for _ in range(2):
        status, data, _ = await _call(route.base_url, "anthropic", False, WIRE["anthropic"][1])
        assert status == 200
    message = json.loads(data)
    assert message["content"] == [{"type": "text", "text":
                                   "[turn limit reached: this run allows 1 model calls]"}]
    assert records[1].usage.input == 0 and records[1].usage.output == 0
    assert records[1].error == "turn limit reached (max_turns=1): answered without the model"


async def test_bad_names_and_a_missing_runtime_get_clear_errors(
        gateway: Gateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records: list[CallRecord] = []
    route = gateway.open_trial("t", 1, model="local/gpt2", sink=records.append)
    status, data, _ = await _call(route.base_url, "anthropic", False, WIRE["anthropic"][1])
    assert status == 400 and b"unknown local model 'gpt2'" in data and records == []

    gguf = tmp_path / "other.gguf"
    gguf.write_bytes(b"GGUF")
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # as if it were not installed
    monkeypatch.setattr(runtime, "WHEELS", tmp_path / "no-wheels")
    route = gateway.open_trial("t", 1, model=f"local/{gguf}", sink=records.append)
    status, data, _ = await _call(route.base_url, "openai-chat", False, WIRE["openai-chat"][1])
    assert status == 503
    message = json.loads(data)["error"]["message"]
    assert "not installed: run `bash scripts/setup_local_model.sh`" in message
    assert records[0].status == 503 and records[0].error == message
