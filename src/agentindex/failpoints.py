"""Failpoints: faults injected on purpose inside the runner's own code paths, for the soak
(``benchmarks/soak.py``). Off unless ``AGENTINDEX_FAILPOINTS`` names a plan file; never active in a
normal run.

Why a module of our own: provider faults are served by the gateway's ``scripted/chaos`` model,
but a harness that crashes or hangs, a sandbox that fails to start or to run a command, happen
below anything a test double can reach from outside. A fake backend or agent would leave the
real ones (bwrap, the runner's timeout kill, the policy's retries of a real try) untested. So
the real code asks here, at a few named points, whether to fail now.

The plan file (JSON)::

    {"seed": 7, "rates": {"sandbox.start": 0.02, "agent.hang": 0.005}, "log": "/dir"}

Whether a point fires for a key (a trial's try, a command in it) is drawn from (seed, point, key)
alone, so the same run fails the same way. With ``log``, each firing appends one line to
``<log>/fired-<pid>.jsonl`` as it happens (one ``write``, so the count survives ``kill -9``).
Cost when off: the environment is read once per process; :func:`fires` then returns False.
"""

from __future__ import annotations

import functools
import json
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

from agentindex.errors import ConfigError

ENV = "AGENTINDEX_FAILPOINTS"

#: Every failpoint, where it is checked, and what it does (the one registry).
POINTS: dict[str, str] = {
    "sandbox.start": "bwrap: the sandbox fails to start (SandboxError before its files go in)",
    "sandbox.exec": "bwrap: one command in the sandbox fails to start (SandboxError)",
    "agent.exit": "runner: the harness's process exits with code 17 at once",
    "agent.hang": "runner: the harness's process hangs until its timeout kills it",
}

#: What runs in the sandbox instead of the harness when an ``agent.*`` point fires.
AGENT_SCRIPTS = {"agent.exit": "exit 17", "agent.hang": "exec sleep 86400"}


@dataclass(frozen=True)
class Plan:
    seed: str
    rates: dict[str, float] = field(default_factory=dict)
    log: Path | None = None


@functools.cache
def plan() -> Plan | None:
    """The plan named by ``AGENTINDEX_FAILPOINTS`` (read once), or None: failpoints off."""
    path = os.environ.get(ENV)
    if not path:
        return None
    try:
        data = json.loads(Path(path).read_text())
        rates = {str(k): float(v) for k, v in data.get("rates", {}).items()}
    except (OSError, ValueError, AttributeError) as err:
        raise ConfigError(path, None, f"{ENV}: not a failpoint plan: {err}") from None
    unknown = set(rates) - set(POINTS)
    if unknown:
        raise ConfigError(path, "rates", f"unknown failpoint(s) {', '.join(sorted(unknown))}; "
                                         f"known: {', '.join(POINTS)}")
    log = data.get("log")
    return Plan(str(data.get("seed", 0)), rates, Path(log) if log else None)


def fires(point: str, key: str) -> bool:
    """Whether ``point`` fails now for ``key``; always False with failpoints off."""
    p = plan()
    if p is None:
        return False
    rate = p.rates.get(point, 0.0)
    if rate <= 0 or random.Random(f"{p.seed}:{point}:{key}").random() >= rate:
        return False
    if p.log is not None:
        p.log.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"point": point, "key": key}) + "\n"
        fd = os.open(p.log / f"fired-{os.getpid()}.jsonl",
                     os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
    return True


def agent_fault(key: str) -> str | None:
    """The script to run instead of the harness for the try ``key``, if an ``agent.*`` point
    fires (at most one: ``agent.exit`` is asked first)."""
    if plan() is None:
        return None
    return next((script for point, script in AGENT_SCRIPTS.items() if fires(point, key)), None)
