"""What a run's start-up and a relayed model call cost, counted in CPU instructions.

Wall and CPU time on a shared machine move with everyone else's load; the number of instructions
a process executes does not (callgrind counts them, user space only, the same to ~0.01 % from run
to run). This benchmark counts, each in its own process under ``valgrind --tool=callgrind``:

- the floor every CLI command pays before any of our code: the interpreter, pydantic, typer and
  rich imported (``floor``);
- the modules ``agentindex run`` imports (``imports``);
- a re-run of a finished one-task job: the whole ``agentindex run`` process with nothing to run
  (``rerun``); its instructions minus ``imports`` is the work itself;
- one unpaced relayed call (the fake upstream of ``gateway_overhead.py``: a whole Anthropic
  stream at once, concurrency 32) through the gateway and through the bare passthrough of the
  same benchmark: a proxy serving N1 calls and one serving N2, counted whole; (N2 - N1) / (N2 -
  N1 calls) is the cost of one call, start-up excluded.

To turn instructions into time, the run's own ``rerun`` process is also timed without valgrind
(``instructions per second`` of this machine, printed, load beside it).

    .venv/bin/python benchmarks/instruction_counts.py [--calls 1000]   # ~3 min on 2 cores

Last line: ``floor_instructions=F imports_instructions=I rerun_instructions=R
gateway_instructions_per_call=G passthrough_instructions_per_call=P gateway_vs_passthrough=X``.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from gateway_overhead import BODY, FAST, run_upstream
from noise import Noise
from trial_overhead import make_tasks

HERE = Path(__file__).resolve().parent
FLOOR = "import pydantic, typer, rich.console, rich.table; from pydantic import BaseModel"
IMPORTS = "import agentindex.cli, agentindex.commands.run"
#: A proxy started under valgrind: its URL goes to a file (valgrind owns its stdout/stderr).
PROXY = """\
import sys
sys.path.insert(0, {here!r})
from {module} import {function}
class ToFile:
    def send(self, url):
        url = url[0] if isinstance(url, tuple) else url
        open({url_file!r} + ".tmp", "w").write(url)
        import os; os.rename({url_file!r} + ".tmp", {url_file!r})
{function}(ToFile(), {upstream!r}, stop_after={calls})
"""


def callgrind(argv: list[str], scratch: Path, wait: object = None) -> int:
    """Instructions executed by ``argv`` (user space), counted by callgrind."""
    out = scratch / f"callgrind.{time.monotonic_ns()}"
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                             *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, stdin=subprocess.DEVNULL)
    if callable(wait):
        wait()
    _, err = proc.communicate()
    found = re.search(r"Collected : (\d+)", err)
    if proc.returncode != 0 or found is None:
        sys.exit(f"callgrind of {argv[:4]} failed (exit {proc.returncode}):\n{err[-2000:]}")
    out.unlink(missing_ok=True)
    return int(found.group(1))


def rerun_argv(tasks: Path, jobs: Path) -> list[str]:
    return [sys.executable, "-m", "agentindex.cli", "run", "-d", str(tasks), "-a", "nop", "-o",
            str(jobs), "--job", "finished", "-n", "1"]


def proxy_instructions(function: str, upstream: str, calls: int, scratch: Path) -> int:
    """Instructions of a proxy process (``run_gateway`` or ``run_passthrough``) that serves
    ``calls`` unpaced calls at concurrency 32, start to exit."""
    url_file = scratch / f"{function}-{calls}.url"
    code = PROXY.format(here=str(HERE), module="gateway_overhead", function=function,
                        url_file=str(url_file), upstream=upstream, calls=calls)

    def drive() -> None:
        while not url_file.exists():
            time.sleep(0.1)
        asyncio.run(_unpaced(url_file.read_text() + FAST.removeprefix("/fast"), calls))

    return callgrind([sys.executable, "-c", code], scratch, drive)


async def _unpaced(url: str, calls: int, concurrency: int = 32) -> None:
    todo = iter(range(calls))
    headers = {"content-type": "application/json", "x-api-key": "x"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as s:
        async def worker() -> None:
            for _ in todo:
                async with s.post(url, data=BODY, headers=headers) as resp:
                    await resp.read()
                    assert resp.status == 200, resp.status

        await asyncio.gather(*(worker() for _ in range(concurrency)))


def per_call(function: str, upstream: str, n1: int, n2: int, scratch: Path) -> float:
    low = proxy_instructions(function, upstream, n1, scratch)
    high = proxy_instructions(function, upstream, n2, scratch)
    print(f"  {function}: {low:,} instructions for {n1} calls, {high:,} for {n2}", flush=True)
    return (high - low) / (n2 - n1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=1000, help="N2 - N1 relayed calls per proxy")
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    scratch = Path(tempfile.mkdtemp(prefix="agentindex-instr-"))
    try:
        floor = callgrind([sys.executable, "-c", FLOOR], scratch)
        imports = callgrind([sys.executable, "-c", IMPORTS], scratch)
        make_tasks(scratch / "tasks", 1)
        argv = rerun_argv(scratch / "tasks", scratch / "jobs")
        subprocess.run(argv, check=True, capture_output=True)  # the job, finished
        rerun = callgrind(argv, scratch)
        with Noise() as noise:
            start = time.perf_counter()
            for _ in range(5):
                subprocess.run(argv, check=True, capture_output=True)
            wall = (time.perf_counter() - start) / 5
        print(f"start-up: floor (python, pydantic, typer, rich) {floor:,}; agentindex run's "
              f"imports {imports:,}; a re-run of a finished job {rerun:,} instructions, "
              f"{wall:.3f} s wall without valgrind = {rerun / wall / 1e9:.2f} G instructions/s "
              f"[{noise}]", flush=True)
        ctx = mp.get_context("spawn")
        here, there = ctx.Pipe()
        upstream_proc = ctx.Process(target=run_upstream, args=(there,), daemon=True)
        upstream_proc.start()
        upstream = here.recv()
        n1 = 100
        gateway = per_call("run_gateway", upstream, n1, n1 + args.calls, scratch)
        passthrough = per_call("run_passthrough", upstream, n1, n1 + args.calls, scratch)
        upstream_proc.terminate()
        print(f"one unpaced relayed call: gateway {gateway:,.0f} instructions, bare passthrough "
              f"{passthrough:,.0f}, ratio {gateway / passthrough:.3f}")
        print(f"floor_instructions={floor} imports_instructions={imports} "
              f"rerun_instructions={rerun} gateway_instructions_per_call={gateway:.0f} "
              f"passthrough_instructions_per_call={passthrough:.0f} "
              f"gateway_vs_passthrough={gateway / passthrough:.3f}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
