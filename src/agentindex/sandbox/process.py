"""Run one host process with stdin closed, output to files, and a timeout that kills its group."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from agentindex.sandbox.base import ExecResult


def kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


async def run_process(argv: Sequence[str], *, timeout: float, stdout: Path, stderr: Path,
                      env: Mapping[str, str] | None = None,
                      cwd: Path | None = None) -> ExecResult:
    """The process leads a new session, so killing its group takes every child it started;
    cancellation (e.g. the job being stopped) kills the group too."""
    stdout.parent.mkdir(parents=True, exist_ok=True)
    stderr.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with stdout.open("ab") as out, stderr.open("ab") as err:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=err,
            env=dict(env) if env is not None else None, start_new_session=True, cwd=cwd)
        try:
            code = await asyncio.wait_for(proc.wait(), timeout)
            return ExecResult(code, False, time.monotonic() - start)
        except TimeoutError:
            kill_group(proc.pid)
            await proc.wait()
            return ExecResult(None, True, time.monotonic() - start)
        except BaseException:
            kill_group(proc.pid)
            await asyncio.shield(proc.wait())
            raise
        finally:
            # The leader may have exited while children it left behind still run.
            kill_group(proc.pid)
