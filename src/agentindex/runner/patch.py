"""For patch tasks: the base the agent starts from, and ``model.patch`` against it.

If WORKDIR is not a git repository (as when a bwrap environment copies plain files), the harness
commits it as the base before the agent starts, so ``git diff`` is defined for every patch task.
``metadata.base_commit`` (or DeepSWE's ``base_commit_hash``), when the task names one, is the base
instead of HEAD.
"""

from __future__ import annotations

from pathlib import Path

from agentindex.errors import SandboxError
from agentindex.runner.history import GIT_ENV, script, task_base
from agentindex.sandbox import Sandbox
from agentindex.tasks.model import Task

BASE_SCRIPT = """set -e
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git init -q
  printf '__pycache__/\n*.pyc\n' >> .git/info/exclude
  git add -A
  git commit -q --allow-empty -m "agentindex base"
fi
git rev-parse HEAD
"""


async def patch_base(sandbox: Sandbox, task: Task, logs: Path) -> str:
    result = await sandbox.exec(["bash", "-c", BASE_SCRIPT], env=GIT_ENV, timeout=120,
                                stdout=logs / "base.out", stderr=logs / "base.err")
    head = (logs / "base.out").read_text().strip().splitlines()
    if result.exit_code != 0 or not head:
        raise SandboxError(f"could not record the patch base: {(logs / 'base.err').read_text()}")
    return task_base(task) or head[-1]


async def seal_history(sandbox: Sandbox, base: str, logs: Path) -> None:
    """Leave only ``base``'s history (and HEAD) in the repository before the agent starts."""
    result = await sandbox.exec(["bash", "-c", script("seal_history"), "seal", base], env=GIT_ENV,
                                timeout=600, stdout=logs / "seal.out", stderr=logs / "seal.err")
    if result.exit_code != 0:
        raise SandboxError(f"--seal-history failed: {(logs / 'seal.err').read_text()[-400:]}")


async def save_patch(sandbox: Sandbox, base: str, dest: Path, logs: Path) -> None:
    """Everything the agent changed, new files included, as one binary-safe diff."""
    script = f'git add -A && git diff --cached --binary "{base}"'
    result = await sandbox.exec(["bash", "-c", script], env=GIT_ENV, timeout=120, stdout=dest,
                                stderr=logs / "diff.err")
    if result.exit_code != 0:
        raise SandboxError(f"git diff against the base failed: {(logs / 'diff.err').read_text()}")
