"""``agentindex gateway``: the gateway on its own, for trying a harness by hand.

It opens one ad-hoc trial whose model is taken from each request (``provider/model``, e.g.
``scripted/oracle`` or ``anthropic/claude-opus-4-7``), prints its base URL (the token is in it:
give it to the harness as base URL, and anything as API key), and prints each call record as a
JSON line on stdout.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

from agentindex.gateway.config import ProvidersConfig
from agentindex.gateway.records import CallRecord
from agentindex.gateway.server import Gateway


def _print_record(record: CallRecord) -> None:
    print(record.to_json(), flush=True)


async def _serve(host: str, port: int, providers: Path | None) -> None:
    config = ProvidersConfig.load(providers)
    async with Gateway(config, host=host, port=port) as gateway:
        route = gateway.open_trial("adhoc", 1, model="*", sink=_print_record)
        print(f"gateway on {gateway.url}; base URL for a harness: {route.base_url}",
              file=sys.stderr, flush=True)
        await asyncio.Event().wait()


def serve(host: str, port: int, providers: Path | None) -> None:
    """Run the gateway until interrupted (blocking)."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(host, port, providers))
