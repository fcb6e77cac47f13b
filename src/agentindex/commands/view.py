"""``agentindex view JOB_DIR``: serve the job's report and trials on a local port."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from aiohttp import web
from rich.console import Console

from agentindex.view.app import make_app


async def serve_view(job_dir: Path, host: str, port: int, console: Console) -> None:
    runner = web.AppRunner(make_app(job_dir))
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0][1] if runner.addresses else port
        console.print(f"agentindex view: http://{host}:{bound}/  (Ctrl-C to stop)",
                      highlight=False)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def view_command(job_dir: Path, host: str, port: int, console: Console) -> int:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_view(job_dir, host, port, console))
    return 0
