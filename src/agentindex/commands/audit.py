"""``agentindex tasks audit``: what in a task's built environment could reveal its fix.

Each task's image is built (container backend) and started without network; the audit script
(``data/scripts/audit_history.sh``) runs in its WORKDIR against the task's base commit. One line
per finding, ``PATH: KIND DETAIL``; exit 1 when anything is found (or a task cannot be audited).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from agentindex.commands.check import task_dirs
from agentindex.errors import AgentIndexError, ConfigError
from agentindex.runner.history import GIT_ENV, script, task_base
from agentindex.sandbox import Backend, Network, SandboxSpec, get_backend
from agentindex.tasks.loader import load_task
from agentindex.tasks.model import Task


async def audit_task(task: Task, backend: Backend, scratch: Path) -> list[str]:
    """The findings for one task, one ``KIND DETAIL`` line each."""
    backend.check(task, Network.NONE)
    spec = SandboxSpec(task=task, job="audit", trial_id=f"audit-{task.digest[:12]}",
                       scratch=scratch, network=Network.NONE, env={})
    async with backend.sandbox(spec) as sandbox:
        out, err = scratch.parent / f"{task.digest}.out", scratch.parent / f"{task.digest}.err"
        argv = ["bash", "-c", script("audit_history"), "audit", task_base(task) or "HEAD"]
        result = await sandbox.exec(argv, env=GIT_ENV, timeout=600, stdout=out, stderr=err)
        if result.exit_code != 0:
            raise AgentIndexError(f"the audit failed (exit {result.exit_code}): "
                                  f"{err.read_text(errors='replace')[-400:]}")
        lines = out.read_text(errors="replace").splitlines()
    return [line for line in lines if line.strip()]


def audit_command(paths: list[Path], console: Console) -> int:
    backend = get_backend("container")  # the image as built, history and all
    work = Path(tempfile.mkdtemp(prefix="agentindex-audit-"))
    found = failed = 0
    try:
        for n, d in enumerate(task_dirs(paths)):
            try:
                task = load_task(d)
                findings = asyncio.run(audit_task(task, backend, work / str(n)))
            except (ConfigError, AgentIndexError) as e:
                console.print(f"{d}: cannot audit: {escape(str(e))}", highlight=False,
                              soft_wrap=True)
                failed += 1
                continue
            for line in findings:
                console.print(f"{d}: {escape(line)}", highlight=False, soft_wrap=True)
            found += len(findings)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    console.print(f"{found} finding(s)" + (f", {failed} task(s) not audited" if failed else ""),
                  highlight=False)
    return 1 if found or failed else 0
