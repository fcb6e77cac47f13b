"""``agentindex agents install [NAME[@VERSION]...]``: install harnesses into the cache ahead of
time (every installable one by default), so no trial pays for it. Idempotent: an installed
version is skipped in milliseconds. ``scripts/setup_agents.sh`` runs it."""

from __future__ import annotations

import asyncio
import shutil

from rich.console import Console

from agentindex.agents import AGENTS
from agentindex.agents.install import CACHE
from agentindex.agents.setup import SKIP, install


def agents_install_command(specs: list[str], console: Console, err: Console) -> int:
    """Install ``specs`` (default: all but those with no registry package); the exit code is 1
    when npm is missing or any install failed."""
    specs = specs or [n for n in AGENTS if n not in SKIP]
    if shutil.which("npm") is None:
        err.print("setup: npm is missing (apt-get install nodejs npm; node >= 20)")
        return 1
    return 1 if asyncio.run(install(specs, CACHE)) else 0
