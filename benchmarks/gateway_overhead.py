"""What the metering gateway costs, beside going direct and beside a bare passthrough, in one run.

A fake upstream (its own process) streams an Anthropic Messages response like a provider: a
``message_start`` with usage, text deltas, a ``message_delta`` with the final usage. Two proxies
run in their own processes, pinned to one core (the client and the upstream get the other): our
gateway (metering, one call record per call) and, as the reference, a bare ~60-line aiohttp
passthrough written here (key swapped, chunks relayed, nothing read). Their CPU (user + system)
is read from /proc. The client (this process) measures, every side interleaved in the same run:

- one request at a time, whole stream at once: time to first body byte -> added p50 / p99;
- paced like a provider (200 ms to the first byte, then 50 deltas 10 ms apart), concurrency 32,
  rounds interleaved (direct, passthrough, gateway): proxy CPU per request (median over rounds)
  -> ``cpu_ratio_vs_passthrough``; TTFT p50 vs direct;
- whole stream at once, concurrency 32: requests per second vs direct -> ``throughput_ratio``
  (the proxy is CPU-bound here).

Beside each figure: the load average and the CPU taken by other processes meanwhile (``noise``).
``BENCH_PROFILE=FILE`` writes a cProfile of the gateway process to FILE.

Trajectory capture: the same paced phase through a second trial whose conversation is captured
(written to a trajectory file), interleaved with capture off -> gateway CPU per request, on / off.

Usage: ``.venv/bin/python benchmarks/gateway_overhead.py [--requests N] [--paced-requests N]
[--rounds R]``. The last line is ``added_ttft_p50_ms=X added_ttft_p99_ms=Y throughput_ratio=Z
cpu_ms_per_request=W cpu_ratio_vs_passthrough=R`` (``cpu_ms_per_request``: the gateway's, paced)
followed by ``capture_cpu_ms_per_request=C capture_ratio=R`` (capture on / capture off).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext, SpawnProcess
from typing import Any

import aiohttp
from aiohttp import web

from noise import Noise, cpu_seconds

#: The provider-like stream: time to the first byte, then deltas this far apart.
SLOW_FIRST_BYTE_S = 0.200
SLOW_GAP_S = 0.010
SLOW_DELTAS = 50
SLOW, FAST = "/slow/v1/messages", "/fast/v1/messages"
#: The proxies (never both busy at once) get one core; the client and the upstream the other.
PROXY_CPU, CLIENT_CPU = 1, 0
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
    _pin(CLIENT_CPU)
    slow_head, slow_tail = events[:2], events[-3:]
    slow_deltas = [_sse({"type": "content_block_delta", "index": 0,
                         "delta": {"type": "text_delta", "text": f"token {i} "}},
                        "content_block_delta") for i in range(SLOW_DELTAS)]

    async def handle(request: web.Request) -> web.StreamResponse:
        await request.read()
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await resp.prepare(request)
        if request.path.startswith("/slow/"):  # like a provider: think, then stream tokens
            await asyncio.sleep(SLOW_FIRST_BYTE_S)
            await resp.write(b"".join(slow_head))
            for delta in slow_deltas:
                await asyncio.sleep(SLOW_GAP_S)
                await resp.write(delta)
            await resp.write(b"".join(slow_tail))
        else:  # as fast as possible: the proxy's CPU is the limit
            await resp.write(events[0])  # the first byte goes out at once
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


def run_gateway(conn: Connection, upstream: str, stop_after: int | None = None) -> None:
    """Serves until killed, or until it has recorded ``stop_after`` calls."""
    from agentindex.gateway import Gateway, ProvidersConfig

    _pin(PROXY_CPU)
    os.environ["BENCH_KEY"] = "sk-bench"
    calls = [0]
    enough = asyncio.Event()

    def sink(record: object) -> None:
        calls[0] += 1
        if calls[0] == stop_after:
            enough.set()

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
                await enough.wait()

    if os.environ.get("BENCH_PROFILE"):  # cProfile of the gateway, written when it is stopped
        import cProfile
        import signal

        profile = cProfile.Profile()

        def stop(*_: object) -> None:
            profile.disable()
            profile.dump_stats(os.environ["BENCH_PROFILE"])
            os._exit(0)

        signal.signal(signal.SIGTERM, stop)
        profile.enable()
    asyncio.run(main())


# ---- the reference: a bare aiohttp passthrough, what any relaying proxy must at least spend ----
_DROP = frozenset({"host", "content-length", "transfer-encoding", "connection", "x-api-key",
                   "authorization", "accept-encoding"})


def run_passthrough(conn: Connection, upstream: str, stop_after: int | None = None) -> None:
    """Relays ``/p/<tail>`` to ``upstream/<tail>``: key swapped, body and stream passed as they
    come, no metering, no records. Serves until killed, or until ``stop_after`` requests."""
    _pin(PROXY_CPU)
    served = [0]
    enough = asyncio.Event()

    async def main() -> None:
        session = aiohttp.ClientSession(auto_decompress=False,
                                        connector=aiohttp.TCPConnector(limit=0))

        async def handle(request: web.Request) -> web.StreamResponse:
            headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROP}
            headers["x-api-key"] = "sk-bench"
            headers["accept-encoding"] = "identity"
            body = await request.read()
            url = f"{upstream}/{request.match_info['tail']}"
            async with session.request(request.method, url, data=body,
                                       headers=headers) as up:
                resp = web.StreamResponse(status=up.status, headers={
                    k: v for k, v in up.headers.items()
                    if k.lower() not in ("content-length", "transfer-encoding", "connection")})
                await resp.prepare(request)
                async for chunk in up.content.iter_any():
                    await resp.write(chunk)
                await resp.write_eof()
            served[0] += 1
            if served[0] == stop_after:
                enough.set()
            return resp

        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/p/{tail:.*}", handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        conn.send(f"http://127.0.0.1:{runner.addresses[0][1]}/p")
        await enough.wait()
        await runner.cleanup()

    asyncio.run(main())


def _pin(cpu: int) -> None:
    """Keep the proxies on one core and the client and upstream on the other, when there are two
    (the proxies never run at the same time)."""
    if (os.cpu_count() or 1) > 1 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})


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


async def concurrent(url: str, n: int, concurrency: int = 32) -> tuple[float, list[float]]:
    """Requests per second with ``concurrency`` clients, and every request's TTFT."""
    todo = iter(range(n))
    firsts: list[float] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as s:
        async def worker() -> None:
            for _ in todo:
                firsts.append(await one(s, url))

        start = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker())
        return n / (time.perf_counter() - start), firsts


def _client_upstream(upstream: int) -> float:
    """CPU seconds of this process (the client) and of the upstream so far."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime + cpu_seconds(upstream)


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


@dataclass
class Sides:
    """The three ways to the upstream, and the proxies' PIDs (for their CPU)."""

    direct: str
    passthrough: str
    gateway: str
    pids: dict[str, int]

    def url(self, side: str, path: str) -> str:
        return getattr(self, side) + path


async def paced(sides: Sides, n: int, rounds: int) -> tuple[float, float, float, float]:
    """Headline: the provider-like stream at concurrency 32, rounds interleaved (direct,
    passthrough, gateway). Returns (gateway CPU ms/request, passthrough CPU ms/request, the
    median over rounds of the round's gateway / passthrough ratio, gateway's added TTFT p50 ms);
    CPU and TTFT are medians over rounds."""
    cpu: dict[str, list[float]] = {"passthrough": [], "gateway": []}
    ttft: dict[str, list[float]] = {"direct": [], "passthrough": [], "gateway": []}
    await concurrent(sides.url("gateway", SLOW), 32)  # warm up (connections, first-call paths)
    await concurrent(sides.url("passthrough", SLOW), 32)
    for r in range(rounds):
        for side in ("direct", "passthrough", "gateway"):
            pid = sides.pids.get(side)
            with Noise(sides.pids.values()) as noise:
                cpu0 = cpu_seconds(pid) if pid else 0.0
                _, firsts = await concurrent(sides.url(side, SLOW), n)
                used = cpu_seconds(pid) - cpu0 if pid else 0.0
            ttft[side].append(statistics.median(firsts))
            if pid:
                cpu[side].append(used * 1000 / n)
            print(f"  paced round {r + 1} {side:<11} ttft p50 "
                  f"{statistics.median(firsts) * 1000:7.2f} ms"
                  + (f"  proxy cpu {used * 1000 / n:.3f} ms/request" if pid else "")
                  + f"  [{noise}]")
    g, p = statistics.median(cpu["gateway"]), statistics.median(cpu["passthrough"])
    # each round's gateway over the same round's passthrough: load drifts between rounds
    ratio = statistics.median(a / b for a, b in zip(cpu["gateway"], cpu["passthrough"],
                                                   strict=True))
    added = statistics.median(ttft["gateway"]) - statistics.median(ttft["direct"])
    added_p = statistics.median(ttft["passthrough"]) - statistics.median(ttft["direct"])
    print(f"paced stream ({SLOW_FIRST_BYTE_S * 1000:g} ms to first byte, {SLOW_DELTAS} deltas "
          f"{SLOW_GAP_S * 1000:g} ms apart), concurrency 32, {n} requests x {rounds} rounds: "
          f"CPU per request gateway {g:.3f} ms, bare passthrough {p:.3f} ms, ratio (median of "
          f"rounds) {ratio:.2f}; "
          f"added TTFT p50 gateway {added * 1000:+.2f} ms, passthrough {added_p * 1000:+.2f} ms")
    return g, p, ratio, added * 1000


async def unpaced(sides: Sides, n: int, rounds: int) -> float:
    """The whole stream at once, concurrency 32: throughput vs direct (the proxy CPU-bound).

    Each line also says what each core spent per request: the proxy's (its own core) and the
    client's plus the upstream's (the other core, the same work on every side). Direct is
    limited by the latter; a proxy keeps up with it only while its own CPU per request is no
    more than that."""
    rps: dict[str, list[float]] = {"direct": [], "passthrough": [], "gateway": []}
    upstream = sides.pids["upstream"]
    for _ in range(rounds):
        for side in rps:
            pid = sides.pids.get(side)
            with Noise(sides.pids.values()) as noise:
                proxy0, other0 = cpu_seconds(pid) if pid else 0.0, _client_upstream(upstream)
                rate, _ = await concurrent(sides.url(side, FAST), n)
                proxy = (cpu_seconds(pid) - proxy0) * 1000 / n if pid else 0.0
                other = (_client_upstream(upstream) - other0) * 1000 / n
            rps[side].append(rate)
            print(f"  unpaced {side:<11} {rate:7.0f} req/s  cpu per request: proxy {proxy:.3f} "
                  f"ms, client + upstream {other:.3f} ms  [{noise}]")
    d = statistics.median(rps["direct"])
    ratio = statistics.median(rps["gateway"]) / d
    print(f"unpaced stream, concurrency 32: direct {d:.0f} req/s, passthrough "
          f"{statistics.median(rps['passthrough']) / d:.3f} of direct, gateway {ratio:.3f}")
    return ratio


async def measure(sides: Sides, n: int, slow_n: int, rounds: int) -> str:
    d_ttft, p_ttft, g_ttft = [], [], []
    with Noise(sides.pids.values()) as noise:
        for _ in range(4):  # interleave the sides so drift hits all alike
            d_ttft += await ttfts(sides.url("direct", FAST), n // 4)
            p_ttft += await ttfts(sides.url("passthrough", FAST), n // 4)
            g_ttft += await ttfts(sides.url("gateway", FAST), n // 4)
    ms = 1000
    print(f"one request at a time, ttft p50/p99: direct {pct(d_ttft, 50) * ms:.3f}/"
          f"{pct(d_ttft, 99) * ms:.3f} ms, passthrough {pct(p_ttft, 50) * ms:.3f}/"
          f"{pct(p_ttft, 99) * ms:.3f} ms, gateway {pct(g_ttft, 50) * ms:.3f}/"
          f"{pct(g_ttft, 99) * ms:.3f} ms  [{noise}]")
    g_cpu, _, ratio, _ = await paced(sides, slow_n, rounds)
    through = await unpaced(sides, n * 2, rounds)
    return (f"added_ttft_p50_ms={(pct(g_ttft, 50) - pct(d_ttft, 50)) * ms:.3f} "
            f"added_ttft_p99_ms={(pct(g_ttft, 99) - pct(d_ttft, 99)) * ms:.3f} "
            f"throughput_ratio={through:.3f} cpu_ms_per_request={g_cpu:.3f} "
            f"cpu_ratio_vs_passthrough={ratio:.2f}")


def _start(ctx: SpawnContext, target: Callable[..., None], *args: str) -> tuple[SpawnProcess, Any]:
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=target, args=(send, *args), daemon=True)
    proc.start()
    return proc, recv.recv()


async def capture_cost(off: str, on: str, pids: dict[str, int], n: int) -> str:
    """Gateway CPU per request on the paced route, capture off vs on (interleaved rounds)."""
    gateway_pid = pids["gateway"]
    paced, cpu = SLOW, {off: 0.0, on: 0.0}
    await concurrent(on + paced, 64)  # warm up
    for r in range(4):
        for base in (off, on):
            with Noise(pids.values()) as noise:
                c0 = cpu_seconds(gateway_pid)
                await concurrent(base + paced, n)
                used = cpu_seconds(gateway_pid) - c0
            cpu[base] += used
            print(f"  capture round {r + 1} {'on' if base == on else 'off':<3} gateway cpu "
                  f"{used * 1000 / n:.3f} ms/request  [{noise}]")
    ms_off, ms_on = (cpu[b] * 1000 / (4 * n) for b in (off, on))
    print(f"trajectory capture, paced stream, concurrency 32: gateway cpu {ms_on:.3f} ms/request "
          f"with capture, {ms_off:.3f} without, ratio {ms_on / ms_off:.3f}")
    return f"capture_cpu_ms_per_request={ms_on:.3f} capture_ratio={ms_on / ms_off:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1000,
                        help="requests per side one at a time (x2 unpaced at concurrency 32)")
    parser.add_argument("--paced-requests", type=int, default=256,
                        help="requests per side and round in the paced scenario")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    _pin(CLIENT_CPU)
    ctx = mp.get_context("spawn")
    upstream, direct = _start(ctx, run_upstream)
    gateway, routes = _start(ctx, run_gateway, direct)
    via, via_captured = routes
    passthrough, bare = _start(ctx, run_passthrough, direct)
    procs = [gateway, passthrough, upstream]
    try:
        # the upstream is ours too: its CPU is not the machine's noise
        pids = {name: proc.pid for name, proc in
                (("gateway", gateway), ("passthrough", passthrough), ("upstream", upstream))
                if proc.pid is not None}
        sides = Sides(direct, bare, via, pids)
        last = asyncio.run(measure(sides, args.requests, args.paced_requests, args.rounds))
        capture = asyncio.run(capture_cost(via, via_captured, pids, args.paced_requests))
        print(f"{last} {capture}")
    finally:
        for proc in procs:
            proc.terminate()
            proc.join(5)


if __name__ == "__main__":
    main()
