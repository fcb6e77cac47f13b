"""``python -m agentindex.agents.setup [NAME[@VERSION]...]``: install harnesses into the cache ahead
of time (all installable ones by default), so no trial pays for it. Idempotent: an installed
version is skipped in milliseconds. Used by ``scripts/setup_agents.sh``."""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
from pathlib import Path

from agentindex.agents import AGENTS, get_agent
from agentindex.agents.harness import CliAgent
from agentindex.agents.install import CACHE
from agentindex.errors import InstallError

SKIP = {"cursor-cli"}  # its installer is on cursor.com, not a package registry


def _size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) \
        / 1e6


async def install(specs: list[str], cache: Path) -> int:
    failed = 0
    for spec in specs:
        agent = get_agent(spec)
        if not isinstance(agent, CliAgent) or not hasattr(agent, "package"):
            continue
        t0 = time.monotonic()
        try:
            await agent.install(cache)
        except InstallError as e:
            print(f"{agent.name}@{agent.pinned}: FAILED\n{e}", file=sys.stderr)
            failed += 1
            continue
        where = cache / f"{agent.name}@{agent.pinned}"
        print(f"{agent.name}@{agent.pinned}: ready in {time.monotonic() - t0:.1f} s, "
              f"{_size_mb(where):.0f} MB at {where}", flush=True)
    return failed


def main() -> int:
    specs = sys.argv[1:] or [n for n in AGENTS if n not in SKIP]
    if shutil.which("npm") is None:
        print("setup: npm is missing (apt-get install nodejs npm; node >= 20)", file=sys.stderr)
        return 1
    return 1 if asyncio.run(install(specs, CACHE)) else 0


if __name__ == "__main__":
    sys.exit(main())
