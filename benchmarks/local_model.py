"""The local model (``local/smollm2``): speed through the gateway vs the runtime directly, same run.

Each repeat asks one fixed question under a system prompt that differs only in a session number
(so neither side answers from its KV cache), first of the runtime directly (a ``ModelWorker`` of
its own, as the gateway's provider uses it), then through the gateway (Anthropic Messages,
streaming, from this process over 127.0.0.1). Same prompt, same seed: the same completion on both
sides (checked: equal output token counts).

- direct: time to first token at the runtime, decode tokens/s, and the whole call;
- gateway: time to the first byte the client reads, and the whole call;
  ``gateway_added_ms`` = median over repeats of (gateway whole call - direct whole call).

The gateway sends a reply once it is generated (a tool call is recognised only at the end of
the completion), so its time to first byte is close to the whole call; ``tokens_per_s`` is
output tokens over the whole call through the gateway (prompt evaluation included).

Usage: ``.venv/bin/python benchmarks/local_model.py [--repeats N] [--max-tokens M]``; the last
line is ``tokens_per_s=X ttft_ms=Y gateway_added_ms=Z``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import aiohttp

from agentindex.gateway import CallRecord, Gateway
from agentindex.gateway.local.chat_format import render_prompt
from agentindex.gateway.local.runtime import Generation, ModelWorker, Sampling, model_file
from agentindex.gateway.local.transcript import Chat, Turn

QUESTION = ("Write a short bash script that counts the lines of every .py file in a directory "
            "and prints the total. Explain each line.")


def system(i: int) -> str:
    return f"Session {i}. You are a helpful coding assistant."


async def direct_call(worker: ModelWorker, i: int, max_tokens: int) -> Generation:
    chat = Chat(system(i), (Turn("user", QUESTION),), (), max_tokens)
    gen = await asyncio.wrap_future(worker.submit(lambda t: render_prompt(t, chat),
                                                  Sampling(max_tokens)))
    assert gen is not None
    return gen


async def gateway_call(session: aiohttp.ClientSession, url: str, i: int,
                       max_tokens: int) -> tuple[float, float]:
    """(seconds to first byte, seconds for the whole call) through the gateway."""
    body = {"model": "smollm2", "max_tokens": max_tokens, "stream": True, "system": system(i),
            "messages": [{"role": "user", "content": QUESTION}]}
    t0 = time.perf_counter()
    first = None
    async with session.post(f"{url}/v1/messages", json=body) as resp:
        assert resp.status == 200, await resp.text()
        async for _ in resp.content.iter_any():
            first = first or time.perf_counter()
    end = time.perf_counter()
    return (first or end) - t0, end - t0


async def main(repeats: int, max_tokens: int) -> None:
    worker = ModelWorker(await asyncio.to_thread(model_file, "smollm2"))
    records: list[CallRecord] = []
    direct: list[Generation] = []
    through: list[tuple[float, float]] = []
    async with Gateway() as gw, aiohttp.ClientSession() as session:
        route = gw.open_trial("bench", 1, model=f"local/smollm2?max_tokens={max_tokens}",
                              sink=records.append)
        await direct_call(worker, -1, 4)  # load both models before measuring
        await gateway_call(session, route.base_url, -1, 4)
        records.clear()
        for i in range(repeats):
            direct.append(await direct_call(worker, i, max_tokens))
            through.append(await gateway_call(session, route.base_url, i, max_tokens))
    await asyncio.to_thread(worker.close)
    same = all(r.usage.output == len(g.completion) for r, g in zip(records, direct, strict=True))
    d_ttft = [(g.first_token_at or g.ended_at) - g.started_at for g in direct]
    d_rate = [(len(g.completion) - 1) / (g.ended_at - (g.first_token_at or g.ended_at))
              for g in direct if len(g.completion) > 1]
    d_total = [g.ended_at - g.submitted_at for g in direct]
    g_tokens = [r.usage.output or 0 for r in records]
    prompt = [(r.usage.input or 0) + (r.usage.cache_read or 0) for r in records]
    print(f"repeats={repeats} max_tokens={max_tokens} prompt_tokens~{statistics.median(prompt):.0f}"
          f" output_tokens~{statistics.median(g_tokens):.0f} same_completion={same}")
    print(f"direct: ttft_ms={statistics.median(d_ttft) * 1000:.0f} "
          f"decode_tokens_per_s={statistics.median(d_rate):.1f} "
          f"call_ms={statistics.median(d_total) * 1000:.0f}")
    print(f"gateway: ttfb_ms={statistics.median(t for t, _ in through) * 1000:.0f} "
          f"call_ms={statistics.median(w for _, w in through) * 1000:.0f} "
          f"queue_ms={statistics.median((r.queue_s or 0) for r in records) * 1000:.1f}")
    rate = statistics.median(n / w for n, (_, w) in zip(g_tokens, through, strict=True))
    ttft = statistics.median(t for t, _ in through) * 1000
    added = statistics.median(w - d for (_, w), d in zip(through, d_total, strict=True)) * 1000
    print(f"tokens_per_s={rate:.1f} ttft_ms={ttft:.0f} gateway_added_ms={added:.1f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--max-tokens", type=int, default=64)
    args = ap.parse_args()
    asyncio.run(main(args.repeats, args.max_tokens))
