"""A separate verifier environment (task schema 1.3, ``environment_mode = "separate"``).

After the agent stops, the task's ``[[verifier.collect]]`` hooks run in the agent's environment
(each with its timeout; a hook that fails or times out is a verifier error: the agent's work could
not be extracted, so nothing can be graded). Then the task's ``artifacts`` (and everything in
``/logs/artifacts``) are copied out to ``trials/<id>/artifacts/<absolute path>``. The grade comes
from a fresh sandbox built from ``tests/Dockerfile`` into which only those artifacts are copied
back, at the paths they came from: an agent that edits tests or graders in its own environment
cannot reach the grade.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from agentindex.errors import VerifierError
from agentindex.sandbox import Sandbox
from agentindex.tasks.model import Task

ARTIFACTS_DIR = "/logs/artifacts"


def artifact_paths(task: Task) -> list[str]:
    """What is kept from the agent's environment: ``/logs/artifacts`` and the task's list."""
    paths = [ARTIFACTS_DIR]
    paths += [p for p in task.config.artifacts
              if not PurePosixPath(p).is_relative_to(ARTIFACTS_DIR)]
    return paths


async def run_collect_hooks(sandbox: Sandbox, task: Task, logs: Path,
                            timeout_multiplier: float = 1.0) -> None:
    """Each hook in order, in the agent's environment; the first failure raises."""
    logs.mkdir(parents=True, exist_ok=True)
    for i, hook in enumerate(task.config.verifier.collect):
        timeout = hook.timeout_sec * timeout_multiplier
        out, err = logs / f"collect-{i}.out", logs / f"collect-{i}.err"
        result = await sandbox.exec(["bash", "-c", hook.command], env={}, timeout=timeout,
                                    stdout=out, stderr=err)
        where = f"{task.toml_path}: verifier.collect[{i}]"
        if result.timed_out:
            raise VerifierError(f"{where}: killed at its timeout of {timeout:g} s")
        if result.exit_code != 0:
            tail = err.read_text(errors="replace").strip()[-400:]
            raise VerifierError(f"{where}: exited with code {result.exit_code}: {tail}")


async def keep_artifacts(sandbox: Sandbox, task: Task, dest: Path) -> None:
    """Copy every artifact out to ``dest/<its absolute path>``; a missing one copies nothing."""
    for path in artifact_paths(task):
        await sandbox.get(path, dest / path.lstrip("/"))


async def restore_artifacts(sandbox: Sandbox, kept: Path) -> None:
    """Copy what ``keep_artifacts`` kept into ``sandbox`` at the paths it came from."""
    if not kept.is_dir():
        return
    with tempfile.TemporaryDirectory(prefix="agentindex-artifacts-") as tmp:
        files = sorted(p for p in kept.rglob("*") if p.is_file() or p.is_symlink())
        for n, top in enumerate(files):
            rel = top.relative_to(kept)
            # put() copies a directory's contents: stage each file alone in a folder of its own.
            stage = Path(tmp) / str(n)
            stage.mkdir()
            await asyncio.to_thread(shutil.copy2, top, stage / top.name, follow_symlinks=False)
            await sandbox.put(stage, "/" + rel.parent.as_posix())
