"""The bwrap backend's cgroup pool: a cgroup is reused only empty, with the limits it was made
for, and removed when the pool closes. Real cgroups (skipped where they cannot be written)."""

from __future__ import annotations

import subprocess
import time

import pytest

from agentindex.sandbox import Limits
from agentindex.sandbox.limits import Cgroup, CgroupPool, cgroups_writable

pytestmark = pytest.mark.skipif(not cgroups_writable(), reason="cgroups are not writable here")


def test_a_cgroup_comes_back_empty_and_only_for_its_limits() -> None:
    pool = CgroupPool()
    limits = Limits(cpus=1, memory_mb=64, pids=16)
    group = Cgroup.create(limits)
    try:
        left = subprocess.Popen(group.wrap(["sleep", "60"]))  # a process the "trial" left behind
        deadline = time.monotonic() + 5
        while not group.pids() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert group.pids() == {left.pid}
        assert not pool.give_if_empty(group, limits)  # not taken back while it is running
        pool.give(group, limits)  # kills it, then takes the cgroup back
        assert left.wait(5) == -9
        assert pool.take(Limits(cpus=2, memory_mb=64, pids=16)) is None
        again = pool.take(limits)
        assert again is group and again.pids() == set()
        assert (group.dirs[0] / "cgroup.procs").exists()
        assert pool.give_if_empty(group, limits)
    finally:
        pool.close()
    assert not any(d.exists() for d in group.dirs)
    assert pool.take(limits) is None
