"""Trial tokens are the only way in; the real keys never leave the gateway except upstream."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import aiohttp
import pytest

from agentindex.gateway import CallRecord

from .conftest import REAL_KEYS, Rig

BODY = {"model": "claude-x", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.parametrize("path", ["/v1/messages", "/v1/chat/completions", "/v1/responses",
                                  "/v1beta/models/g:generateContent", "/v1/models", ""])
async def test_unknown_token_gets_401_and_nothing_is_forwarded(rig: Rig, path):
    async with aiohttp.ClientSession() as session, session.post(
            f"{rig.gateway.url}/t/not-a-token{path}", json=BODY) as resp:
        assert resp.status == 401
        assert "trial token" in (await resp.json())["error"]["message"]
    assert rig.upstream.seen == []


async def test_closed_token_gets_401(rig: Rig):
    records: list[CallRecord] = []
    route = rig.gateway.open_trial("t", 1, model="anthropic/claude-x", sink=records.append)
    async with aiohttp.ClientSession() as session:
        async with session.post(route.base_url + "/v1/messages", json=BODY) as resp:
            assert resp.status == 200
        rig.gateway.close_trial(route.token)
        async with session.post(route.base_url + "/v1/messages", json=BODY) as resp:
            assert resp.status == 401
    assert len(rig.upstream.seen) == 1 and len(records) == 1


async def test_tokens_are_random_and_distinct(rig: Rig):
    tokens = {rig.gateway.open_trial("t", i, model="scripted/text", sink=print).token
              for i in range(50)}
    assert len(tokens) == 50 and all(len(t) >= 32 for t in tokens)


async def test_real_keys_never_in_records_logs_or_artifacts(rig: Rig, tmp_path: Path, caplog):
    """Run calls of every provider (successes, an upstream error, an unreachable upstream) the
    way the runner does — records to calls.jsonl — then grep everything for the keys."""
    trial_dir = tmp_path / "trials" / "t1"
    trial_dir.mkdir(parents=True)
    lines: list[str] = []
    calls = [
        ("anthropic/claude-x", "/v1/messages", BODY),
        ("anthropic/rate-limited", "/v1/messages", {**BODY, "model": "rate-limited"}),
        ("zai/glm", "/v1/messages", {**BODY, "stream": True}),
        ("moonshot/kimi", "/v1/messages", BODY),
        ("deepseek/ds", "/v1/messages", BODY),
        ("openai/gpt-x", "/v1/chat/completions",
         {"model": "gpt-x", "messages": [], "stream": True}),
        ("openai/gpt-x", "/v1/responses", {"model": "gpt-x", "input": "hi"}),
        ("google/gem", "/v1beta/models/gem:streamGenerateContent?alt=sse", {"contents": []}),
    ]
    with caplog.at_level(logging.DEBUG):
        async with aiohttp.ClientSession() as session:
            for model, path, body in calls:
                route = rig.gateway.open_trial("t1", 1, model=model,
                                               sink=lambda r: lines.append(r.to_json()))
                async with session.post(route.base_url + path, json=body,
                                        headers={"x-api-key": route.token}) as resp:
                    text = await resp.text()
                    assert all(key not in text for key in REAL_KEYS.values())
                    assert all(key not in str(resp.headers) for key in REAL_KEYS.values())
            # an unreachable upstream: the error message must not carry the key either
            gone = rig.gateway.providers.providers["openai"].model_copy(
                update={"base_url": "http://127.0.0.1:9"})
            rig.gateway.providers.providers["openai"] = gone
            route = rig.gateway.open_trial("t1", 1, model="openai/gpt-x",
                                           sink=lambda r: lines.append(r.to_json()))
            async with session.post(route.base_url + "/v1/responses",
                                    json={"model": "gpt-x", "input": "hi"}) as resp:
                assert resp.status == 502
    (trial_dir / "calls.jsonl").write_text("\n".join(lines) + "\n")
    assert len(lines) == len(calls) + 1
    assert json.loads(lines[-1])["error"].startswith("upstream unreachable")

    haystacks = [caplog.text, *(p.read_text() for p in tmp_path.rglob("*") if p.is_file())]
    for key in REAL_KEYS.values():
        assert all(key not in hay for hay in haystacks)
    assert "call t1/1 #" in caplog.text  # the calls were logged
