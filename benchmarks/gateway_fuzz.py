"""Gateway fuzz: thousands of malformed requests against a live ``agentindex gateway``, on
loopback only, bounded in count and time.

The gateway runs as its own process (the real CLI), with fake provider keys in its environment
and every forwarding provider pointed at a fake upstream on 127.0.0.1 (nothing leaves the
machine). Requests go over raw sockets, so they can be as broken as HTTP allows: bad JSON, wrong
content types, oversized bodies, truncated chunked bodies, unknown paths and tokens, header
injection, slow clients; mixed with valid calls (``scripted/*`` and forwarded). Checked:

- the gateway never exits, and logs no unhandled exception;
- no response (status line, headers, body) holds a key's value, whole or its secret part;
- it records each call it accepted: call records printed == responses that came from a provider;
- it still answers a normal request afterwards.

    .venv/bin/python benchmarks/gateway_fuzz.py --requests 5000 --seed 1 [--json out.json]

Last line: ``fuzz: ok|FAILED requests=N crashes=C key_leaks=K ...``; exit status 0 when ok.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

AGENTINDEX = Path(sys.executable).parent / "agentindex"
KEY_ENVS = ("FUZZ_ANTHROPIC_KEY", "FUZZ_OPENAI_KEY", "ANTHROPIC_API_KEY", "OPENAI_API_KEY",
            "GEMINI_API_KEY")
CALL_PATHS = ("/v1/messages", "/v1/chat/completions", "/v1/responses",
              "/v1beta/models/m:generateContent")
MODELS = ("scripted/oracle", "scripted/chaos?seed=2&rate=0.5&faults=429,500,529",
          "anthropic/claude-fuzz", "openai/gpt-fuzz")


@dataclass
class Gw:
    proc: subprocess.Popen[bytes]
    host: str
    port: int
    token: str
    keys: dict[str, str]
    stdout: Path
    stderr: Path


@dataclass
class Tally:
    sent: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    accepted: int = 0  # responses a provider gave to a call: each must have a record
    no_response: int = 0
    leaks: list[str] = field(default_factory=list)


# --- the fake upstream: answers forwarded calls like a provider that knows no key -------------

SEEN_AUTH: Counter[str] = Counter()  # the credential headers the fake upstream received


async def _upstream(request: web.Request) -> web.Response:
    await request.read()
    SEEN_AUTH.update(v for k, v in request.headers.items()
                     if k.lower() in ("authorization", "x-api-key"))
    if "chat" in request.path or "responses" in request.path:
        body = {"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": {
            "role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}
    else:
        body = {"id": "x", "type": "message", "role": "assistant", "model": "m", "content": [
            {"type": "text", "text": "ok"}], "stop_reason": "end_turn",
            "usage": {"input_tokens": 3, "output_tokens": 1}}
    return web.json_response(body)


async def start_upstream() -> tuple[web.AppRunner, int]:
    app = web.Application(client_max_size=1 << 30)
    app.router.add_route("*", "/{tail:.*}", _upstream)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, runner.addresses[0][1]


# --- the gateway under test --------------------------------------------------------------------

def start_gateway(workdir: Path, upstream_port: int) -> Gw:
    keys = {env: f"sk-fuzz-{secrets.token_hex(16)}" for env in KEY_ENVS}
    up = f"http://127.0.0.1:{upstream_port}"
    providers = workdir / "providers.toml"
    providers.write_text(
        f'[providers.anthropic]\nbase_url = "{up}/anthropic"\nkey_env = "FUZZ_ANTHROPIC_KEY"\n'
        f'[providers.openai]\nbase_url = "{up}/openai/v1"\nkey_env = "FUZZ_OPENAI_KEY"\n')
    out, err = workdir / "gateway.stdout", workdir / "gateway.stderr"
    proc = subprocess.Popen(
        [str(AGENTINDEX), "gateway", "--host", "127.0.0.1", "--port", "0", "--providers",
         str(providers)], stdout=out.open("wb"), stderr=err.open("wb"),
        env={**os.environ, **keys}, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        m = re.search(r"http://127\.0\.0\.1:(\d+)/t/([\w-]+)", err.read_text())
        if m:
            return Gw(proc, "127.0.0.1", int(m.group(1)), m.group(2), keys, out, err)
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    raise RuntimeError(f"the gateway did not start: {err.read_text()[-2000:]}")


# --- requests ----------------------------------------------------------------------------------

def http(method: str, path: str, headers: list[tuple[str, str]], body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers)
    return head.encode("latin-1", "replace") + b"\r\n" + body


def json_call(path: str, body: bytes, ctype: str = "application/json",
              extra: list[tuple[str, str]] | None = None) -> bytes:
    return http("POST", path, [("Content-Type", ctype), ("Content-Length", str(len(body))),
                               *(extra or [])], body)


def valid_body(rng: random.Random, path: str) -> dict[str, object]:
    model = rng.choice(MODELS)
    if "chat" in path:
        return {"model": model, "messages": [{"role": "user", "content": "hi"}]}
    if "responses" in path:
        return {"model": model, "input": "hi"}
    if "generateContent" in path:
        return {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    return {"model": model, "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}


@dataclass(frozen=True)
class Case:
    """One fuzz request: raw bytes sent in ``pieces`` (with ``pause_s`` between), whether a
    provider may answer it (``may_accept``: then it must be recorded), and whether to close
    early (``hang_up``: the client leaves before the response)."""

    kind: str
    pieces: tuple[bytes, ...]
    may_accept: bool = False
    pause_s: float = 0.0
    hang_up: bool = False


def make_case(rng: random.Random, gw: Gw) -> Case:
    t = f"/t/{gw.token}"
    path = rng.choice(CALL_PATHS)
    if path.startswith("/v1beta"):  # the Gemini path names the model
        path = path.replace("models/m", f"models/{rng.choice(['scripted/oracle', 'x'])}")
    kind = rng.choice(list(CASES))
    return CASES[kind](rng, t, path)


def _valid(rng: random.Random, t: str, path: str) -> Case:
    body = json.dumps(valid_body(rng, path)).encode()
    return Case("valid", (json_call(t + path, body),), may_accept=True)


def _bad_json(rng: random.Random, t: str, path: str) -> Case:
    good = json.dumps(valid_body(rng, path)).encode()
    body = rng.choice([good[: rng.randrange(len(good))], b"[1,2,3]", b'"str"', b"null",
                       b"\xff\xfe\x00garbage", b"[" * 100_000 + b"]" * 100_000,
                       b'{"model": "scripted/oracle", "messages": "not a list"}',
                       b'{"model": 12, "messages": [{"role": 7}]}', os.urandom(512),
                       b'{"model": "scripted/../../etc", "messages": []}', b"{}"])
    return Case("bad_json", (json_call(t + path, body),), may_accept=True)


def _content_type(rng: random.Random, t: str, path: str) -> Case:
    body = json.dumps(valid_body(rng, path)).encode()
    ctype = rng.choice(["text/plain", "multipart/form-data; boundary=x", "", "application/xml",
                        "application/json\x00", "APPLICATION/JSON; charset=utf-8",
                        "application/x-www-form-urlencoded", "application/jsonx"])
    return Case("content_type", (json_call(t + path, body, ctype),), may_accept=True)


def _oversized(rng: random.Random, t: str, path: str) -> Case:
    if rng.random() < 0.01:  # really over the limit (64 MB): rare, it is costly
        body = b'{"pad": "' + b"a" * (65 * 1024 * 1024) + b'"}'
        return Case("oversized", (json_call(t + path, body),))
    head = http("POST", t + path, [("Content-Type", "application/json"),
                                   ("Content-Length", str(rng.choice([10**12, 2**63, 70 << 20])))])
    return Case("oversized", (head + b'{"model": "x"', ), hang_up=True)


def _chunked(rng: random.Random, t: str, path: str) -> Case:
    head = http("POST", t + path, [("Content-Type", "application/json"),
                                   ("Transfer-Encoding", "chunked")])
    body = rng.choice([b"5\r\n{\"mod", b"zz\r\nabc\r\n0\r\n\r\n", b"FFFFFFFFFFFFFFFFFF\r\nab",
                       b"3\r\n{}x\r\n", b"2\r\n{}\r\n", b"-1\r\n\r\n"])
    return Case("chunked", (head + body,), hang_up=True)


def _paths(rng: random.Random, t: str, path: str) -> Case:
    token = rng.choice([secrets.token_urlsafe(24), "", "..", "%00", "a" * 5000])
    target = rng.choice([f"/t/{token}{path}", f"{t}/v9/unknown", f"{t}/../../etc/passwd",
                         "/" + "x" * rng.choice([10, 9000]), "/", f"{t}", f"/t/{token}",
                         f"{t}/v1/models", f"{t}/v1/messages/count_tokens", "*",
                         f"{t}{path}?x=" + "%" * 50])
    method = rng.choice(["GET", "POST", "DELETE", "OPTIONS", "PATCH", "FOO", "HEAD"])
    return Case("paths", (http(method, target, [("Content-Length", "0")]),))


def _headers(rng: random.Random, t: str, path: str) -> Case:
    body = json.dumps(valid_body(rng, path)).encode()
    bad = rng.choice([
        [("X-Api-Key", "abc\r\nX-Injected: 1")], [("Authorization", "Bearer \r\n\r\nGET / ")],
        [("Content-Length", str(len(body))), ("Content-Length", "3")],
        [("Transfer-Encoding", "chunked")], [("X-Big", "v" * 200_000)],
        [(f"X-H{i}", "v") for i in range(500)], [("Bad Header", "v")], [("X-Nul", "a\x00b")],
        [("Host", "evil.example"), ("Host", "other")], [("Expect", "100-continue")]])
    raw = http("POST", t + path, [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body))), *bad], body)
    if rng.random() < 0.2:
        raw = rng.choice([b"GARBAGE\r\n\r\n", b"GET /\r\n\r\n", b"POST " + t.encode()
                          + b" HTTP/9.9\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00"])
    return Case("headers", (raw,), may_accept=True)


def _slow(rng: random.Random, t: str, path: str) -> Case:
    raw = json_call(t + path, json.dumps(valid_body(rng, path)).encode())
    if rng.random() < 0.5:  # a complete request, a few bytes at a time
        step = max(1, len(raw) // 8)
        return Case("slow", tuple(raw[i:i + step] for i in range(0, len(raw), step)),
                    may_accept=True, pause_s=0.1)
    return Case("slow", (raw[: rng.randrange(1, len(raw))],), pause_s=2.0, hang_up=True)


CASES: dict[str, Callable[[random.Random, str, str], Case]] = {
    "valid": _valid, "bad_json": _bad_json, "content_type": _content_type,
    "oversized": _oversized, "chunked": _chunked, "paths": _paths, "headers": _headers,
    "slow": _slow}


async def send(gw: Gw, case: Case, timeout_s: float = 15.0) -> bytes | None:
    """Send the case; the whole response (None when the gateway closed without one)."""
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(gw.host, gw.port), timeout_s)
    except (OSError, TimeoutError):
        return None
    try:
        for piece in case.pieces:
            writer.write(piece)
            await writer.drain()
            if case.pause_s:
                await asyncio.sleep(case.pause_s)
        if case.hang_up:
            return None
        return await asyncio.wait_for(reader.read(), timeout_s)
    except (OSError, TimeoutError, asyncio.IncompleteReadError):
        return None
    finally:
        writer.close()


def final_status(response: bytes) -> str:
    """The status of the final response (interim ``100 Continue`` ones skipped)."""
    while response.startswith(b"HTTP/1.1 1") and b"\r\n\r\n" in response:
        response = response.split(b"\r\n\r\n", 1)[1]
    return response[9:12].decode(errors="replace")


def provider_answered(status: str) -> bool:
    """A response a provider gave (scripted, or the fake upstream via forward): the gateway's
    own refusals are 4xx; a provider's are 200, 429, 500 or 529."""
    return status in ("200", "429", "500", "529")


def check(tally: Tally, gw: Gw, case: Case, response: bytes | None) -> None:
    tally.sent[case.kind] += 1
    if response is None:
        tally.no_response += 1
        return
    status = final_status(response)
    tally.statuses[status] += 1
    for env, key in gw.keys.items():
        if key in response.decode("latin-1") or key[8:] in response.decode("latin-1"):
            tally.leaks.append(f"{env} in a response to {case.kind}")
    if case.may_accept and provider_answered(status):
        tally.accepted += 1


async def fuzz(gw: Gw, n: int, seed: int, deadline_s: float, concurrency: int = 16) -> Tally:
    rng = random.Random(seed)
    tally = Tally()
    cases = [make_case(rng, gw) for _ in range(n)]
    end = time.monotonic() + deadline_s
    queue = iter(cases)

    async def worker() -> None:
        for case in queue:
            if time.monotonic() > end:
                return
            check(tally, gw, case, await send(gw, case))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return tally


def records(gw: Gw) -> int:
    return sum(1 for line in gw.stdout.read_text().splitlines() if line.startswith("{"))


def proc_figures(pid: int) -> dict[str, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    return {"rss_kb": rss, "fds": len(os.listdir(f"/proc/{pid}/fd"))}


async def run(n: int, seed: int, deadline_s: float, workdir: Path) -> dict[str, object]:
    upstream, port = await start_upstream()
    gw = start_gateway(workdir, port)
    try:
        before = proc_figures(gw.proc.pid)
        t0 = time.monotonic()
        tally = await fuzz(gw, n, seed, deadline_s)
        wall = time.monotonic() - t0
        await asyncio.sleep(1.0)  # the last records reach stdout
        normal = Case("normal", (json_call(f"/t/{gw.token}/v1/messages", json.dumps(
            {"model": "scripted/oracle", "max_tokens": 8,
             "messages": [{"role": "user", "content": "hi"}]}).encode()),))
        after_response = await send(gw, normal)
        alive = gw.proc.poll() is None
        figures = proc_figures(gw.proc.pid) if alive else {}
    finally:
        gw.proc.terminate()
        gw.proc.wait(timeout=30)
        await upstream.cleanup()
    stderr = gw.stderr.read_text(errors="replace")
    recorded = records(gw) - 1  # the normal request's own record
    return {
        "requests": sum(tally.sent.values()), "by_kind": dict(tally.sent),
        "statuses": dict(tally.statuses), "no_response": tally.no_response,
        "wall_s": round(wall, 1), "crashes": 0 if alive else 1,
        "unhandled_errors_logged": unhandled(stderr),
        "http_parser_errors_logged": stderr.count("Error handling request") - unhandled(stderr),
        "key_leaks": len(tally.leaks), "leak_examples": tally.leaks[:5],
        "accepted": tally.accepted, "recorded": recorded,
        "forwarded_with_a_key": sum(n for v, n in SEEN_AUTH.items()
                                    if any(k in v for k in gw.keys.values())),
        "normal_request_after": (after_response or b"")[9:12].decode(errors="replace"),
        "gateway_before": before, "gateway_after": figures,
    }


def unhandled(stderr: str) -> int:
    """Tracebacks through the gateway's own code (aiohttp also logs, with a traceback, each
    request its HTTP parser refused with a 400: those are counted apart)."""
    return sum("agentindex" in block.partition("\nError handling")[0]
               for block in stderr.split("Traceback (most recent call last):")[1:])


def problems(result: dict[str, object]) -> list[str]:
    out = []
    if result["crashes"] or result["unhandled_errors_logged"]:
        out.append("the gateway crashed or logged an unhandled error")
    if result["key_leaks"]:
        out.append(f"keys leaked: {result['leak_examples']}")
    if result["accepted"] != result["recorded"]:
        out.append(f"accepted {result['accepted']} calls but recorded {result['recorded']}")
    if result["normal_request_after"] != "200":
        out.append("no normal answer afterwards")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--deadline", type=float, default=600.0, help="seconds, at most")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--keep", type=Path, help="keep the gateway's output in this directory")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="agentindex-fuzz-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        result = asyncio.run(run(args.requests, args.seed, args.deadline, workdir))
    result["problems"] = problems(result)
    result["seed"] = args.seed
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    for key, value in result.items():
        print(f"{key}: {json.dumps(value, sort_keys=True)}")
    bad = result["problems"]
    assert isinstance(bad, list)
    print(("fuzz: ok" if not bad else "fuzz: FAILED " + "; ".join(bad))
          + f" requests={result['requests']} crashes={result['crashes']} "
            f"key_leaks={result['key_leaks']} accepted={result['accepted']} "
            f"recorded={result['recorded']}")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
