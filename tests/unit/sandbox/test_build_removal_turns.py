"""Builds and image removals take turns in one ImageCache: a removal prunes the removed image's
cached parent layers, and a build checking its cache at that moment failed ("layer not known",
kv-store-grpc under ``validate -n 2``). The engine here is a stand-in that logs what it is asked:
what is tested is the order the cache asks in."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from agentindex.sandbox import images
from agentindex.sandbox.base import ExecResult
from agentindex.sandbox.images import Completed, ImageCache
from agentindex.tasks.loader import load_task
from tests.conftest import write_task


class Engine:
    """Builds block until released; ``images`` lists one image until it is removed."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.release: dict[str, asyncio.Event] = {}
        self.present = True

    async def run_process(self, argv: list[str], **kw: Any) -> ExecResult:
        tag = argv[argv.index("-t") + 1]
        self.log.append(f"build {tag}")
        await self.release.setdefault(tag, asyncio.Event()).wait()
        self.log.append(f"built {tag}")
        return ExecResult(exit_code=0, timed_out=False, duration_s=0.0)

    async def engine_call(self, argv: list[str], timeout: float = 0.0) -> Completed:
        if argv[1] == "rmi":
            self.log.append("rmi")
            self.present = False
        ids = "sha256:aa\n" if argv[1] == "images" and self.present else ""
        return Completed(0, ids, "")


def test_a_removal_waits_for_running_builds_and_builds_asked_meanwhile_wait_for_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Engine()
    monkeypatch.setattr(images, "run_process", engine.run_process)
    monkeypatch.setattr(images, "engine_call", engine.engine_call)
    task = load_task(write_task(tmp_path / "tasks", "t"))

    async def scenario() -> list[str]:
        cache = ImageCache("podman")
        first = asyncio.create_task(cache._build(task, "a", tmp_path / "a.log", "FROM x\n"))
        await asyncio.sleep(0.01)
        removal = asyncio.create_task(cache.remove_built(task))
        await asyncio.sleep(0.01)
        second = asyncio.create_task(cache._build(task, "b", tmp_path / "b.log", "FROM x\n"))
        await asyncio.sleep(0.01)
        assert engine.log == ["build a"]  # the removal waits for a; b waits for the removal
        engine.release["a"].set()
        assert await removal == ["sha256:aa"]
        engine.release.setdefault("b", asyncio.Event()).set()
        await asyncio.gather(first, second)
        return engine.log

    assert asyncio.run(scenario()) == ["build a", "built a", "rmi", "build b", "built b"]
