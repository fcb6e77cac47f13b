"""Bad input gets a 4xx with a clear message and the gateway keeps serving; random bodies and
headers at every route neither crash it nor leak a key."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentindex.gateway import CallRecord, Gateway, ProvidersConfig, ScriptedContext

from .conftest import Rig
from .upstream import FakeUpstream

BODY = {"model": "claude-x", "messages": [{"role": "user", "content": "hi"}]}


async def _send(url: str, data: bytes, headers: dict[str, str],
                method: str = "POST") -> tuple[int, str]:
    payload = io.BytesIO(data) if len(data) > 1 << 20 else data  # (aiohttp warns on big bytes)
    async with aiohttp.ClientSession() as session, session.request(
            method, url, data=payload, headers=headers) as resp:
        return resp.status, await resp.text()


@pytest.mark.parametrize(("data", "content_type", "status", "message"), [
    (b"{not json", "application/json", 400, "malformed JSON"),
    (b"[1, 2]", "application/json", 400, "expected a JSON object"),
    (b"\xff\xfe", "application/json", 400, "malformed JSON"),
    (json.dumps(BODY).encode(), "text/plain", 415, "application/json"),
    (b"{\"model\": \"" + b"x" * (2 << 20) + b"\"}", "application/json", 413, "larger than"),
])
async def test_bad_body(rig: Rig, data, content_type, status, message):
    records: list[CallRecord] = []
    route = rig.gateway.open_trial("t", 1, model="anthropic/claude-x", sink=records.append)
    got, text = await _send(route.base_url + "/v1/messages", data,
                            {"content-type": content_type})
    assert got == status and message in json.loads(text)["error"]["message"]
    assert rig.upstream.seen == [] and records == []
    ok, _ = await _send(route.base_url + "/v1/messages", json.dumps(BODY).encode(),
                        {"content-type": "application/json"})
    assert ok == 200


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/t/{token}/v2/whatever"), ("GET", "/t/{token}/v1/messages"),
    ("POST", "/v1/messages"), ("DELETE", "/t/{token}/v1/responses"), ("GET", "/"),
])
async def test_unknown_path_is_404(rig: Rig, method, path):
    route = rig.gateway.open_trial("t", 1, model="anthropic/claude-x", sink=print)
    status, text = await _send(rig.gateway.url + path.format(token=route.token), b"{}",
                               {"content-type": "application/json"}, method)
    assert status == 404 and "no such endpoint" in text
    assert rig.upstream.seen == []


async def test_provider_that_does_not_speak_the_protocol(rig: Rig):
    route = rig.gateway.open_trial("t", 1, model="anthropic/claude-x", sink=print)
    status, text = await _send(route.base_url + "/v1/chat/completions", json.dumps(BODY).encode(),
                               {"content-type": "application/json"})
    assert status == 400 and "does not speak openai-chat" in text


# --- property-based: one gateway for all examples (a module-scoped loop) --------------------

ROUTES = ["/v1/messages", "/v1/messages?beta=true", "/v1/messages/count_tokens",
          "/v1/chat/completions", "/v1/responses", "/v1/models", "", "/v1beta/models",
          "/v1beta/models/g:generateContent", "/v1beta/models/g:streamGenerateContent?alt=sse",
          "/v1beta/models/g:countTokens", "/v1/nope", "/../../etc/passwd"]
KEY = "sk-real-hypothesis-NEVER-LEAK-91be"
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                  max_size=4),
    max_leaves=20)
shaped = st.fixed_dictionaries({}, optional={
    "model": json_values, "stream": json_values, "messages": json_values, "tools": json_values,
    "input": json_values, "contents": json_values, "stream_options": json_values,
    "functions": json_values})
bodies = st.one_of(st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode()),
                   shaped.map(lambda v: json.dumps(v).encode()))
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)
headers = st.dictionaries(
    st.sampled_from(["content-type", "x-api-key", "authorization", "accept-encoding", "x-foo",
                     "anthropic-beta", "content-encoding"]),
    st.one_of(st.just("application/json"), header_text), max_size=4)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def live() -> Iterator[dict[str, Any]]:
    loop = asyncio.new_event_loop()
    os.environ["AGENTINDEX_HYPO_KEY"] = KEY
    fake = FakeUpstream()
    runner = web.AppRunner(fake.app(), access_log=None)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    spec = {"base_url": url, "key_env": "AGENTINDEX_HYPO_KEY"}
    config = ProvidersConfig.defaults({n: spec for n in ("anthropic", "openai", "google")})
    gateway = Gateway(config, max_body_bytes=4096)
    loop.run_until_complete(gateway.__aenter__())
    records: list[CallRecord] = []
    tokens = [gateway.open_trial("h", 1, model=m, sink=records.append,
                                 context=ScriptedContext(solution="echo hi")).token
              for m in ("scripted/oracle", "scripted/loop", "scripted/cut", "scripted/flaky",
                        "anthropic/claude-x", "openai/gpt-x", "google/gem")]
    errors = _Errors()
    for name in ("aiohttp.server", "aiohttp.web", "agentindex"):
        logging.getLogger(name).addHandler(errors)
    yield {"loop": loop, "gateway": gateway, "tokens": [*tokens, "bogus"], "errors": errors,
           "records": records}
    for name in ("aiohttp.server", "aiohttp.web", "agentindex"):
        logging.getLogger(name).removeHandler(errors)
    loop.run_until_complete(gateway.__aexit__(None, None, None))
    loop.run_until_complete(runner.cleanup())
    loop.close()
    del os.environ["AGENTINDEX_HYPO_KEY"]


async def _raw(url: str, method: str, data: bytes,
               hdrs: dict[str, str]) -> tuple[int, bytes, str]:
    try:
        async with aiohttp.ClientSession(auto_decompress=False) as session, session.request(
                method, url, data=data, headers=hdrs, skip_auto_headers=["content-type"]) as resp:
            return resp.status, await resp.read(), str(resp.headers)
    except aiohttp.ClientPayloadError:  # scripted/cut cuts bodies on purpose
        return 200, b"", ""


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(route=st.sampled_from(ROUTES), method=st.sampled_from(["POST", "GET", "HEAD", "PUT"]),
       body=bodies, hdrs=headers, which=st.integers(0, 7))
def test_random_requests_neither_crash_nor_leak(live, route, method, body, hdrs, which):
    gateway: Gateway = live["gateway"]
    url = f"{gateway.url}/t/{live['tokens'][which]}{route}"
    status, data, head = live["loop"].run_until_complete(_raw(url, method, body, hdrs))
    assert status != 500 or b"Server got itself in trouble" not in data
    assert KEY.encode() not in data and KEY not in head
    assert live["errors"].records == [], live["errors"].records[0].getMessage()


def test_still_serving_after_the_storm(live):
    gateway: Gateway = live["gateway"]
    url = f"{gateway.url}/t/{live['tokens'][4]}/v1/messages"
    status, data, _ = live["loop"].run_until_complete(
        _raw(url, "POST", json.dumps(BODY).encode(), {"content-type": "application/json"}))
    assert status == 200 and b"tool_use" in data
    assert all(KEY not in r.to_json() for r in live["records"])


async def test_a_client_leaving_mid_body_is_no_error(rig: Rig,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """Found by the gateway fuzz: a client that hung up before its body was complete made the
    handler raise, and aiohttp log a traceback for each such request."""
    records: list[CallRecord] = []
    route = rig.gateway.open_trial("t", 1, model="scripted/oracle", sink=records.append)
    host, port = rig.gateway.url.removeprefix("http://").split(":")
    path = route.base_url.removeprefix(rig.gateway.url) + "/v1/messages"
    with caplog.at_level(logging.ERROR):
        for _ in range(3):
            _, writer = await asyncio.open_connection(host, int(port))
            writer.write(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                         "\r\nContent-Length: 500\r\n\r\n{\"model\": ".encode())
            await writer.drain()
            writer.close()
        await asyncio.sleep(0.3)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert records == []  # no call was made
    status, _ = await _send(route.base_url + "/v1/messages", json.dumps(
        {**BODY, "max_tokens": 8}).encode(), {"content-type": "application/json"})
    assert status == 200
