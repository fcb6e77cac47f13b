"""The forward provider's idle timeout (IdleGuard), against a real local HTTP server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from agentindex.gateway.forward import IdleGuard


async def _stream(request: web.Request) -> web.StreamResponse:
    gap, count = float(request.query["gap"]), int(request.query["count"])
    if request.query.get("late"):
        await asyncio.sleep(gap)
    resp = web.StreamResponse()
    await resp.prepare(request)
    for i in range(count):
        await resp.write(f"chunk {i}\n".encode())
        await asyncio.sleep(gap)
    await resp.write_eof()
    return resp


@pytest.fixture
async def server() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/", _stream)
    runner = web.AppRunner(app, shutdown_timeout=0.5)  # the stalled handlers: do not wait
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/"
    await runner.cleanup()


async def _read(url: str, limit: float) -> tuple[bytes, IdleGuard]:
    guard = IdleGuard(limit)
    body = b""
    async with aiohttp.ClientSession() as session:
        try:
            async with guard, session.get(url) as resp:
                guard.watch(resp.content)
                async for chunk in resp.content.iter_any():
                    body += chunk
        except TimeoutError:
            assert guard.expired
            raise
    return body, guard


async def test_a_stream_that_keeps_coming_is_never_cut(server: str) -> None:
    # 12 chunks 0.1 s apart: 1.2 s in all, four times the idle limit
    body, guard = await _read(f"{server}?gap=0.1&count=12", limit=0.3)
    assert body == b"".join(f"chunk {i}\n".encode() for i in range(12))
    assert not guard.expired


async def test_a_stream_that_stalls_is_cut(server: str) -> None:
    with pytest.raises(TimeoutError):
        await _read(f"{server}?gap=30&count=2", limit=0.3)


async def test_headers_that_never_come_are_cut(server: str) -> None:
    with pytest.raises(TimeoutError):
        await _read(f"{server}?gap=30&count=1&late=1", limit=0.3)
