"""The machine's noise during a measurement, printed beside each benchmark figure.

On a shared machine a figure means little without the load it was taken under. :class:`Noise`
reads, over a span of wall time, the CPU the whole machine spent (``/proc/stat``) minus the CPU
our own processes spent (``/proc/<pid>/stat`` of the ones named, plus this process's children),
and the 1-minute load average at the end. After the span it also times a fixed pure-Python
workload (:func:`reference_ms`): a virtual machine's cores can run slower from one hour to the
next with nothing else running on it (seen here: 3.6 and 2.1 G instructions/s on two days), and
a wall figure is comparable to another only beside the speed it was taken at.

    with Noise(pids) as noise: ...
    print(noise)   # "load 31.2, other processes 1.74 of 2 cores, reference loop 21.3 ms"
"""

from __future__ import annotations

import contextlib
import os
import resource
import time
from collections.abc import Iterable
from types import TracebackType

TICK = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


def cpu_seconds(pid: int) -> float:
    """User + system CPU of process ``pid`` (all its threads, finished ones included)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_busy_seconds() -> float:
    """CPU seconds every core spent on anything but idle and iowait since boot."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICK


def own_seconds(pids: Iterable[int]) -> float:
    """CPU of this process, its waited-for children and the live processes ``pids``."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    for pid in pids:
        with contextlib.suppress(OSError):  # gone: its CPU is in RUSAGE_CHILDREN once waited
            total += cpu_seconds(pid)
    return total


def reference_ms(repeats: int = 3) -> float:
    """Wall milliseconds of a fixed pure-Python loop (the fastest of ``repeats``): 31 ms on a
    quiet core of the development VM on 2026-12-03 (~2.1 G instructions/s); more on a slower or
    a busy core."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        total = 0
        for i in range(400_000):
            total += i * i % 7
        best = min(best, time.perf_counter() - start)
    return best * 1000


class Noise:
    """CPU taken by other processes over a ``with`` block (cores busy on average)."""

    def __init__(self, pids: Iterable[int] = ()) -> None:
        self.pids = list(pids)
        self.other_cores = 0.0
        self.load = 0.0
        self.reference = 0.0  # ms of reference_ms() right after the block

    def __enter__(self) -> Noise:
        self._t0 = time.monotonic()
        self._busy0 = machine_busy_seconds()
        self._own0 = own_seconds(self.pids)
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        wall = max(time.monotonic() - self._t0, 1e-9)
        busy = machine_busy_seconds() - self._busy0
        own = own_seconds(self.pids) - self._own0
        self.other_cores = max(busy - own, 0.0) / wall
        self.load = os.getloadavg()[0]
        self.reference = reference_ms()

    def __str__(self) -> str:
        return (f"load {self.load:.1f}, other processes {self.other_cores:.2f} of {CORES} cores, "
                f"reference loop {self.reference:.1f} ms")
