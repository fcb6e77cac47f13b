"""What the metering gateway costs, measured against going direct, in the same run.

A fake upstream (its own process) streams an Anthropic Messages response like a provider: a
``message_start`` with usage, 40 text deltas, a ``message_delta`` with the final usage. The gateway
runs in its own process too, so its CPU time can be read from /proc. The client (this process):

- concurrency 1: time to first body byte, direct vs through the gateway -> added p50 / p99;
- concurrency 32, events paced like a provider's tokens (``TOKEN_GAP_S``): requests per second,
  direct vs through the gateway -> throughput ratio; gateway CPU (user + system) over that phase
  / requests -> CPU ms per request;
- concurrency 32, unpaced: the same, printed as the worst case (the gateway's CPU is the limit;
  on a 2-core machine the client, the fake upstream and the gateway share two cores).

Trajectory capture: the same paced phase through a second trial whose conversation is captured
(written to a trajectory file), interleaved with capture off -> gateway CPU per request, on / off.

Usage: ``.venv/bin/python benchmarks/gateway_overhead.py [--requests N]``. The last line is
``added_ttft_p50_ms=X added_ttft_p99_ms=Y throughput_ratio=Z cpu_ms_per_request=W``
followed by ``capture_cpu_ms_per_request=C capture_ratio=R`` (capture on / capture off).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import statistics
import time
from multiprocessing.connection import Connection

import aiohttp
from aiohttp import web

#: Gap between streamed events on the paced route (real providers: 10-30 ms per token).
TOKEN_GAP_S = 0.002
BODY = json.dumps({"model": "bench", "max_tokens": 64, "stream": True,
                   "messages": [{"role": "user", "content": "hello " * 200}]}).encode()


def _sse(obj: object, event: str) -> bytes:
    return f"event: {event}\ndata: {json.dumps(obj)}\n\n".encode()


def _events() -> list[bytes]:
    usage = {"input_tokens": 12, "cache_read_input_tokens": 3000,
             "cache_creation_input_tokens": 100, "output_tokens": 1}
    events = [_sse({"type": "message_start", "message": {"id": "m", "type": "message",
                    "role": "assistant", "content": [], "usage": usage}}, "message_start"),
              _sse({"type": "content_block_start", "index": 0,
                    "content_block": {"type": "text", "text": ""}}, "content_block_start")]
    events += [_sse({"type": "content_block_delta", "index": 0,
                     "delta": {"type": "text_delta", "text": f"token {i} "}},
                    "content_block_delta") for i in range(40)]
    events += [_sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
               _sse({"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                     "usage": {"output_tokens": 80}}, "message_delta"),
               _sse({"type": "message_stop"}, "message_stop")]
    return events


def run_upstream(conn: Connection) -> None:
    events = _events()

    async def handle(request: web.Request) -> web.StreamResponse:
        await request.read()
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await resp.prepare(request)
        await resp.write(events[0])  # the first byte goes out at once
        if request.path.startswith("/paced/"):  # then one event per TOKEN_GAP_S, like a provider
            for event in events[1:]:
                await asyncio.sleep(TOKEN_GAP_S)
                await resp.write(event)
        else:  # as fast as possible: the gateway's CPU is the limit
            await asyncio.sleep(0)
            await resp.write(b"".join(events[1:]))
        await resp.write_eof()
        return resp

    async def main() -> None:
        app = web.Application()
        app.router.add_post("/{tail:.*}", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        conn.send(f"http://127.0.0.1:{runner.addresses[0][1]}")
        await asyncio.Event().wait()

    asyncio.run(main())


def run_gateway(conn: Connection, upstream: str) -> None:
    from agentindex.gateway import Gateway, ProvidersConfig

    os.environ["BENCH_KEY"] = "sk-bench"
    calls = [0]

    def sink(record: object) -> None:
        calls[0] += 1

    async def main() -> None:
        import tempfile

        from agentindex.runner.metering import _TrajectoryFile

        config = ProvidersConfig.defaults({"anthropic": {"base_url": upstream,
                                                         "key_env": "BENCH_KEY"}})
        with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
            async with Gateway(config) as gateway:
                route = gateway.open_trial("bench", 1, model="anthropic/bench", sink=sink)
                captured = gateway.open_trial("bench-capture", 1, model="anthropic/bench",
                                              sink=sink, trajectory=_TrajectoryFile(out).write)
                conn.send((route.base_url, captured.base_url))
                await asyncio.Event().wait()

    asyncio.run(main())


async def one(session: aiohttp.ClientSession, url: str) -> float:
    """Time to the first body byte (seconds); reads the whole body."""
    start = time.perf_counter()
    async with session.post(url, data=BODY, headers={"content-type": "application/json",
                                                     "x-api-key": "x"}) as resp:
        await resp.content.readany()
        ttft = time.perf_counter() - start
        await resp.read()
        assert resp.status == 200
    return ttft


async def ttfts(url: str, n: int) -> list[float]:
    async with aiohttp.ClientSession() as session:
        for _ in range(20):  # warm up the connections
            await one(session, url)
        return [await one(session, url) for _ in range(n)]


async def throughput(url: str, n: int, concurrency: int = 32) -> float:
    """Requests per second with ``concurrency`` clients."""
    todo = iter(range(n))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as s:
        async def worker() -> None:
            for _ in todo:
                await one(s, url)

        start = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker())
        return n / (time.perf_counter() - start)


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def measure(base: str, via_base: str, gateway_pid: int, n: int) -> str:
    """TTFT at concurrency 1 on the fast route; throughput at 32 on the paced route (headline)
    and on the fast route (worst case, printed above the last line)."""
    fast, paced = "/fast/v1/messages", "/paced/v1/messages"
    d_ttft, g_ttft = [], []
    for _ in range(4):  # interleave direct and via rounds so drift hits both alike
        d_ttft += await ttfts(base + fast, n // 4)
        g_ttft += await ttfts(via_base + fast, n // 4)
    ms, m = 1000, n * 4
    await throughput(via_base + paced, 64)  # warm up
    d_rps = await throughput(base + paced, m)
    cpu0 = cpu_seconds(gateway_pid)
    g_rps = await throughput(via_base + paced, m)
    cpu = cpu_seconds(gateway_pid) - cpu0
    d_fast = await throughput(base + fast, m)
    cpu1 = cpu_seconds(gateway_pid)
    g_fast = await throughput(via_base + fast, m)
    cpu_fast = cpu_seconds(gateway_pid) - cpu1
    print(f"ttft direct p50={pct(d_ttft, 50) * ms:.3f} ms p99={pct(d_ttft, 99) * ms:.3f} ms; "
          f"via gateway p50={pct(g_ttft, 50) * ms:.3f} ms p99={pct(g_ttft, 99) * ms:.3f} ms")
    print(f"paced stream ({len(_events())} events, {TOKEN_GAP_S * ms:g} ms apart), concurrency 32:"
          f" direct {d_rps:.0f} req/s, via gateway {g_rps:.0f} req/s")
    print(f"unpaced stream, concurrency 32 (gateway CPU-bound): direct {d_fast:.0f} req/s, "
          f"via gateway {g_fast:.0f} req/s, ratio {g_fast / d_fast:.3f}, "
          f"gateway cpu {cpu_fast * ms / m:.3f} ms/request")
    return (f"added_ttft_p50_ms={(pct(g_ttft, 50) - pct(d_ttft, 50)) * ms:.3f} "
            f"added_ttft_p99_ms={(pct(g_ttft, 99) - pct(d_ttft, 99)) * ms:.3f} "
            f"throughput_ratio={g_rps / d_rps:.3f} cpu_ms_per_request={cpu * ms / m:.3f}")


async def capture_cost(off: str, on: str, gateway_pid: int, n: int) -> str:
    """Gateway CPU per request on the paced route, capture off vs on (interleaved rounds)."""
    paced, cpu = "/paced/v1/messages", {off: 0.0, on: 0.0}
    await throughput(on + paced, 64)  # warm up
    for _ in range(4):
        for base in (off, on):
            c0 = cpu_seconds(gateway_pid)
            await throughput(base + paced, n)
            cpu[base] += cpu_seconds(gateway_pid) - c0
    ms_off, ms_on = (cpu[b] * 1000 / (4 * n) for b in (off, on))
    print(f"trajectory capture, paced stream, concurrency 32: gateway cpu {ms_on:.3f} ms/request "
          f"with capture, {ms_off:.3f} without, ratio {ms_on / ms_off:.3f}")
    return f"capture_cpu_ms_per_request={ms_on:.3f} capture_ratio={ms_on / ms_off:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1000,
                        help="requests per side at concurrency 1 (x4 at concurrency 32)")
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    up_recv, up_send = ctx.Pipe(duplex=False)
    upstream = ctx.Process(target=run_upstream, args=(up_send,), daemon=True)
    upstream.start()
    direct = up_recv.recv()
    gw_recv, gw_send = ctx.Pipe(duplex=False)
    gateway = ctx.Process(target=run_gateway, args=(gw_send, direct), daemon=True)
    gateway.start()
    via, via_captured = gw_recv.recv()
    try:
        assert gateway.pid is not None
        last = asyncio.run(measure(direct, via, gateway.pid, args.requests))
        capture = asyncio.run(capture_cost(via, via_captured, gateway.pid, args.requests))
        print(f"{last} {capture}")
    finally:
        for proc in (gateway, upstream):
            proc.terminate()
            proc.join(5)


if __name__ == "__main__":
    main()
