"""The shared fixture: a fake provider on 127.0.0.1, and the gateway (port 0) in front of it,
every built-in provider pointed at the fake with its own test key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web

from agentindex.gateway import Gateway, ProvidersConfig
from agentindex.gateway.config import DEFAULT_PROVIDERS

from .upstream import FakeUpstream

REAL_KEYS = {name: f"sk-real-{name}-DO-NOT-LEAK-7f3a9c" for name in DEFAULT_PROVIDERS
             if name != "scripted"}


@dataclass
class Rig:
    gateway: Gateway
    upstream: FakeUpstream
    upstream_url: str


@pytest.fixture
async def rig(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Rig]:
    fake = FakeUpstream()
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    url = f"http://127.0.0.1:{port}"
    overrides = {}
    for name, key in REAL_KEYS.items():
        env = f"AGENTINDEX_TEST_{name.upper()}_KEY"
        monkeypatch.setenv(env, key)
        overrides[name] = {"base_url": f"{url}/{name}", "key_env": env}
    async with Gateway(ProvidersConfig.defaults(overrides), max_body_bytes=1 << 20) as gateway:
        yield Rig(gateway, fake, url)
    await runner.cleanup()
