"""Who owns a sandbox resource, and whether that owner still runs.

Every container, network namespace and cgroup we make carries an owner tag ``PID.STARTTIME`` of the
runner process that made it. A runner killed with ``kill -9`` cannot clean up; the next runner to
start removes what belongs to owners that are gone. The start time (from ``/proc/PID/stat``)
guards against a reused PID; a live runner's resources are never touched.
"""

from __future__ import annotations

import os
import re
import secrets
from functools import cache
from pathlib import Path

PREFIX = "agentindex"
_OWNER = re.compile(r"^(\d+)\.(\d+)$")


def _start_time(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # Field 22 (starttime); field 2 (comm) may hold spaces and parentheses, so cut after its end.
    return int(stat[stat.rindex(")") + 2:].split()[19])


@cache
def owner_id() -> str:
    """This process's owner tag."""
    pid = os.getpid()
    return f"{pid}.{_start_time(pid) or 0}"


def owner_alive(tag: str) -> bool:
    """False only for a well-formed tag whose process is gone (or is another process now)."""
    m = _OWNER.match(tag)
    if not m:
        return True  # not ours to judge: leave it alone
    pid, start = int(m.group(1)), int(m.group(2))
    now = _start_time(pid)
    return now is not None and (start == 0 or now == start)


def resource_name() -> str:
    """``agentindex-OWNER-RANDOM``: a host-unique name that says who made the resource."""
    return f"{PREFIX}-{owner_id()}-{secrets.token_hex(4)}"


def owner_of(name: str) -> str | None:
    """The owner tag in a name made by ``resource_name``, or None for a name that is not ours."""
    parts = name.split("-")
    return parts[1] if len(parts) == 3 and parts[0] == PREFIX else None


def stale(name: str) -> bool:
    owner = owner_of(name)
    return owner is not None and not owner_alive(owner)
