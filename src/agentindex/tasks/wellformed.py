"""What a task needs beyond loading, checked without building or running anything.

Each problem is one line naming the file (and line) and what it means for a run. These are
warnings: the task loads, but some part of it cannot work as shipped (e.g. a file its verifier
image COPYs is missing, as for two DeepSWE tasks whose large ``tests/config.json`` is not in the
public snapshot: their verifier image cannot be built, so every trial of them is a verifier error).
"""

from __future__ import annotations

import glob
import json
import re
import shlex
from pathlib import Path

from agentindex.sandbox.dockerfile import logical_lines
from agentindex.tasks.model import Task


def task_warnings(task: Task) -> list[str]:
    """Problems that would break a run of ``task``, one line each."""
    found = []
    env_dockerfile = task.environment_dir / "Dockerfile"
    if env_dockerfile.is_file():
        found += missing_copy_sources(env_dockerfile, task.environment_dir,
                                      "the task's image cannot be built from it")
    if task.config.verifier.separate and task.verifier_dockerfile.is_file():
        found += missing_copy_sources(task.verifier_dockerfile, task.tests_dir,
                                      "the verifier's image cannot be built: every trial of "
                                      "this task would be a verifier error")
    if task.config.verifier.separate and not task.config.verifier.collect \
            and not task.config.artifacts:
        found.append(f"{task.toml_path}: verifier.collect: a separate verifier with no collect "
                     "hook and no artifacts grades nothing the agent did")
    return found


def missing_copy_sources(dockerfile: Path, context: Path, consequence: str) -> list[str]:
    """COPY/ADD sources (not ``--from`` a stage, not URLs) that are absent from the context."""
    out = []
    for n, line in logical_lines(dockerfile.read_text(encoding="utf-8", errors="replace")):
        word, _, rest = line.partition(" ")
        if word.upper() not in ("COPY", "ADD"):
            continue
        args = _args(rest.strip())
        if args is None or any(a.startswith("--from") for a in args):
            continue
        sources = [a for a in args if not a.startswith("--")][:-1]
        for src in sources:
            if re.match(r"^[a-z]+://", src) or "$" in src:
                continue
            if not glob.glob(str(context / src)):
                out.append(f"{dockerfile}:{n}: {word.upper()} {src}: not in {context}; "
                           f"{consequence}")
    return out


def _args(rest: str) -> list[str] | None:
    if rest.startswith("["):
        try:
            parsed = json.loads(rest)
        except json.JSONDecodeError:
            return None
        return parsed if isinstance(parsed, list) else None
    try:
        return shlex.split(rest)
    except ValueError:
        return None
