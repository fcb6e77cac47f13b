"""Shared fixtures: a factory that writes task directories, and registration of test agents."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agentindex.agents import AGENTS

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "src" / "agentindex" / "data" / "demo"

TaskFactory = Callable[..., Path]


def write_task(root: Path, name: str, *, solve: str = "echo done > /app/out.txt",
               test: str | None = None, toml: str | None = None,
               instruction: str = "Write done into /app/out.txt.\n",
               dockerfile: str = "FROM localhost/debian:bookworm\nWORKDIR /app\n",
               files: dict[str, str] | None = None, agent_timeout: float = 30.0) -> Path:
    """A small task: by default the oracle writes /app/out.txt and the test checks it."""
    task = root / name
    (task / "environment").mkdir(parents=True)
    (task / "tests").mkdir()
    (task / "solution").mkdir()
    (task / "task.toml").write_text(toml if toml is not None else textwrap.dedent(f"""\
        version = "1.0"
        [metadata]
        difficulty = "easy"
        [verifier]
        timeout_sec = 30.0
        [agent]
        timeout_sec = {agent_timeout}
        """))
    (task / "instruction.md").write_text(instruction)
    (task / "environment" / "Dockerfile").write_text(dockerfile)
    for rel, text in (files or {}).items():
        (task / "environment" / rel).parent.mkdir(parents=True, exist_ok=True)
        (task / "environment" / rel).write_text(text)
    (task / "tests" / "test.sh").write_text(test if test is not None else textwrap.dedent("""\
        #!/bin/bash
        if [ "$(cat /app/out.txt 2>/dev/null)" = done ]; then echo 1; else echo 0; fi \\
          > /logs/verifier/reward.txt
        """))
    (task / "solution" / "solve.sh").write_text(f"#!/bin/bash\n{solve}\n")
    return task


@pytest.fixture
def make_task(tmp_path: Path) -> TaskFactory:
    root = tmp_path / "tasks"

    def make(name: str = "t", **kw: object) -> Path:
        return write_task(root, name, **kw)  # type: ignore[arg-type]

    return make


@pytest.fixture
def register_agent() -> Iterator[Callable[[str, type], None]]:
    """Register a test-only agent class under a name for the duration of a test."""
    added: list[str] = []

    def register(name: str, cls: type) -> None:
        AGENTS[name] = cls
        added.append(name)

    yield register
    for name in added:
        AGENTS.pop(name, None)
