"""The gateway in front of a local server speaking each provider's wire format: the client gets
the upstream's bytes, the upstream gets the real key and never the trial token, the records hold
exact usage."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDict

from agentindex.gateway import CallRecord

from . import upstream as up
from .conftest import REAL_KEYS, Rig

MESSAGES = [{"role": "user", "content": "list the files"}]

CASES = [
    # provider, trial model, path, body, client key header, upstream key headers, usage
    ("anthropic", "anthropic/claude-x", "/v1/messages?beta=true",
     {"model": "claude-x", "max_tokens": 64, "messages": MESSAGES}, "x-api-key",
     ("x-api-key",), up.ANTHROPIC_USAGE),
    ("zai", "zai/glm-5.1", "/v1/messages", {"model": "glm-5.1", "max_tokens": 64,
                                            "messages": MESSAGES},
     "authorization", ("x-api-key", "authorization"), up.ANTHROPIC_USAGE),
    ("openai", "openai/gpt-x", "/v1/chat/completions",
     {"model": "gpt-x", "messages": MESSAGES, "stream_options": {"include_usage": True}},
     "authorization", ("authorization",), up.CHAT_USAGE),
    ("openai", "openai/gpt-x", "/v1/responses", {"model": "gpt-x", "input": "list the files"},
     "authorization", ("authorization",), up.RESPONSES_USAGE),
    ("google", "google/gemini-x", "/v1beta/models/gemini-x:{verb}",
     {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}, "x-goog-api-key",
     ("x-goog-api-key",), up.GEMINI_USAGE),
]


def _client_key(header: str, token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"} if header == "authorization" else {header: token}


async def _post(url: str, body: dict[str, Any],
                headers: dict[str, str]) -> tuple[int, CIMultiDict[str], bytes]:
    async with aiohttp.ClientSession() as session, session.post(
            url, data=json.dumps(body), headers={**headers, "content-type": "application/json"}
    ) as resp:
        return resp.status, resp.headers.copy(), await resp.read()


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(("provider", "model", "path", "body", "key_header", "up_headers",
                          "usage"), CASES, ids=[f"{c[0]}{c[2].split('?')[0]}" for c in CASES])
async def test_passthrough(rig: Rig, stream, provider, model, path, body, key_header,
                           up_headers, usage):
    records: list[CallRecord] = []
    route = rig.gateway.open_trial("trial-1", 1, model=model, sink=records.append)
    if provider == "google":
        path = path.format(verb="streamGenerateContent?alt=sse" if stream else "generateContent")
    else:
        body = {**body, "stream": stream}
    status, headers, got = await _post(route.base_url + path, body,
                                       _client_key(key_header, route.token))

    assert status == 200
    assert got == rig.upstream.sent[-1]  # byte for byte
    assert headers["x-request-id"] == "req_1"
    expected_type = "text/event-stream" if stream else "application/json"
    assert headers["content-type"].startswith(expected_type)
    seen = rig.upstream.seen[-1]
    assert seen.path == f"/{provider}" + path.split("?")[0]
    if "?" in path:
        assert seen.query == dict(q.split("=") for q in path.split("?")[1].split("&"))
    for header in up_headers:
        assert seen.headers[header].removeprefix("Bearer ") == REAL_KEYS[provider]
    assert route.token not in json.dumps([seen.path, seen.query, seen.headers]) + seen.body.decode()
    assert json.loads(seen.body) == body  # passed through (no mapping needed here)

    [record] = records
    assert record.usage == usage
    assert (record.trial_id, record.try_no, record.seq, record.status) == ("trial-1", 1, 1, 200)
    assert record.provider == provider and record.model == model.split("/", 1)[1]
    assert record.started_at <= (record.first_byte_at or 0) <= (record.ended_at or 0)
    assert record.error is None


async def test_chat_stream_without_usage_asked(rig: Rig):
    """The gateway asks upstream for usage; the client sees the stream it asked for."""
    records: list[CallRecord] = []
    route = rig.gateway.open_trial("t", 1, model="openai/gpt-x", sink=records.append)
    body = {"model": "gpt-x", "messages": MESSAGES, "stream": True}
    status, _, got = await _post(route.base_url + "/v1/chat/completions", body,
                                 {"authorization": f"Bearer {route.token}"})
    assert status == 200
    assert json.loads(rig.upstream.seen[-1].body)["stream_options"] == {"include_usage": True}
    assert got == b"".join(up.chat_sse(False))
    assert records[0].usage == up.CHAT_USAGE


async def test_upstream_error_reaches_client_unchanged(rig: Rig):
    records: list[CallRecord] = []
    route = rig.gateway.open_trial("t", 1, model="anthropic/rate-limited", sink=records.append)
    status, headers, got = await _post(route.base_url + "/v1/messages",
                                       {"model": "rate-limited", "messages": MESSAGES},
                                       {"x-api-key": route.token})
    assert status == 429
    assert headers["retry-after"] == "7" and headers["x-request-id"] == "req_429"
    assert got == rig.upstream.sent[-1]
    assert records[0].status == 429 and records[0].error == "upstream status 429"


async def test_model_name_is_mapped(rig: Rig):
    """A request naming the trial's model as provider/model goes upstream with the bare id; a side
    call on another model of the same provider keeps its model."""
    records: list[CallRecord] = []
    route = rig.gateway.open_trial("t", 1, model="anthropic/claude-x", sink=records.append)
    for name in ("anthropic/claude-x", "claude-haiku-y"):
        await _post(route.base_url + "/v1/messages", {"model": name, "messages": MESSAGES},
                    {"x-api-key": route.token})
    sent = [json.loads(s.body)["model"] for s in rig.upstream.seen]
    assert sent == ["claude-x", "claude-haiku-y"]
    assert [r.model for r in records] == ["claude-x", "claude-haiku-y"]
    assert [r.seq for r in records] == [1, 2]


async def test_head_base_and_models_and_count_tokens(rig: Rig):
    records: list[CallRecord] = []
    route = rig.gateway.open_trial("t", 1, model="anthropic/claude-x", sink=records.append)
    async with aiohttp.ClientSession() as session:
        async with session.head(route.base_url) as resp:
            assert resp.status == 200
        async with session.get(route.base_url + "/v1/models") as resp:
            assert resp.status == 200 and (await resp.json())["data"][0]["id"] == "model-a"
        async with session.post(route.base_url + "/v1/messages/count_tokens",
                                json={"model": "claude-x", "messages": MESSAGES}) as resp:
            assert resp.status == 200
    assert records == []  # not model calls
    assert rig.upstream.seen[-1].path == "/anthropic/v1/messages/count_tokens"
