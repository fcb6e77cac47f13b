"""Installing harnesses ahead of time (``agentindex agents install``, which
``scripts/setup_agents.sh`` runs): each install's time and size, failures named."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from agentindex.agents import get_agent
from agentindex.agents.harness import CliAgent
from agentindex.errors import InstallError

SKIP = {"cursor-cli"}  # its installer is on cursor.com, not a package registry


def _size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) \
        / 1e6


async def install(specs: list[str], cache: Path) -> int:
    """Install each ``NAME[@VERSION]`` that has a package into ``cache``; how many failed."""
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
