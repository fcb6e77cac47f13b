"""Container engine calls and task images: detect the engine, build a task's Dockerfile once per
build-context digest, or use the task's ``docker_image``."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from agentindex.errors import SandboxError
from agentindex.paths import cache_dir
from agentindex.sandbox.process import kill_group, run_process
from agentindex.tasks.model import Task

IMAGE_REPO = "localhost/agentindex-env"
VERIFIER_REPO = "localhost/agentindex-verifier"
ENGINES = ("podman", "docker")
ENGINE_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str

    def check(self, what: str) -> Completed:
        if self.returncode != 0:
            raise SandboxError(f"{what} failed (exit {self.returncode}): {self.stderr.strip()}")
        return self


def engine_cwd() -> Path:
    """Where engine CLIs run: conmon inherits the directory and leaves files there (an ``oom``
    file when a container is OOM-killed), so never the user's working directory."""
    path = cache_dir("engine")
    path.mkdir(parents=True, exist_ok=True)
    return path


async def engine_call(argv: list[str], timeout: float = ENGINE_TIMEOUT_S) -> Completed:
    """Run one engine CLI call, capturing its output; a hung call is killed with its group."""
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, start_new_session=True, cwd=engine_cwd())
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except BaseException:
        kill_group(proc.pid)
        await asyncio.shield(proc.wait())
        raise
    return Completed(proc.returncode or 0, out.decode(errors="replace"),
                     err.decode(errors="replace"))


def detect_engine(preferred: str | None = None) -> str | None:
    """The engine CLI to use: ``preferred``, else $AGENTINDEX_CONTAINER_ENGINE, else the first of
    podman, docker found on PATH (a ``docker`` client without an engine is caught by ``check``)."""
    name = preferred or os.environ.get("AGENTINDEX_CONTAINER_ENGINE")
    if name:
        return shutil.which(name)
    return next((p for e in ENGINES if (p := shutil.which(e))), None)


def context_digest(context: Path) -> str:
    """sha256 over every file's relative path, mode and bytes in the build context (sorted)."""
    h = hashlib.sha256()
    for root, dirs, files in os.walk(context):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            rel = path.relative_to(context).as_posix()
            h.update(rel.encode() + b"\0" + oct(path.lstat().st_mode).encode() + b"\0")
            h.update(os.readlink(path).encode() if path.is_symlink() else path.read_bytes())
            h.update(b"\0")
    return h.hexdigest()


def image_tag(task: Task) -> str:
    return f"{IMAGE_REPO}:{context_digest(task.environment_dir)[:20]}"


class ImageCache:
    """One build per build-context digest, also across concurrent trials of the same task."""

    def __init__(self, engine: str) -> None:
        self.engine = engine
        self._locks: dict[str, asyncio.Lock] = {}
        self._workdirs: dict[str, str] = {}
        self._known: set[str] = set()  # seen to exist by this process: not asked again

    async def exists(self, image: str) -> bool:
        if image not in self._known and (
                await engine_call([self.engine, "image", "inspect", image])).returncode == 0:
            self._known.add(image)
        return image in self._known

    async def image_for(self, task: Task, log: Path) -> str:
        """The image a trial of ``task`` runs: ``docker_image`` when present locally, else the
        Dockerfile built (cached by context digest), else ``docker_image`` pulled."""
        named = task.config.environment.docker_image
        if named and await self.exists(named):
            return named
        dockerfile = task.environment_dir / "Dockerfile"
        if not dockerfile.is_file():
            if not named:
                raise SandboxError(f"{task.path}: no environment/Dockerfile and no docker_image")
            pulled = await engine_call([self.engine, "pull", named],
                                       task.config.environment.build_timeout_sec)
            pulled.check(f"pulling {named} (no Dockerfile to build instead)")
            return named
        tag = image_tag(task)
        async with self._locks.setdefault(tag, asyncio.Lock()):
            if not await self.exists(tag):
                await self._build(task, tag, log)
        return tag

    async def verifier_image_for(self, task: Task, log: Path) -> str:
        """The image of ``task``'s separate verifier: ``tests/Dockerfile`` built with ``tests/``
        as its context. Its ``FROM`` names the task's image (``docker_image``); when that image
        was built here from environment/Dockerfile instead, the build maps the name to it."""
        agent_image = await self.image_for(task, log)
        named = task.config.environment.docker_image
        contexts = [f"{named}=docker-image://{agent_image}"] if named and named != agent_image \
            else []
        digest = hashlib.sha256(f"{context_digest(task.tests_dir)}\0{agent_image}\0"
                                f"{contexts}".encode()).hexdigest()[:20]
        tag = f"{VERIFIER_REPO}:{digest}"
        async with self._locks.setdefault(tag, asyncio.Lock()):
            if not await self.exists(tag):
                own = task.config.verifier.environment
                timeout = own.build_timeout_sec if own else \
                    task.config.environment.build_timeout_sec
                await self._build(task, tag, log, task.verifier_dockerfile, task.tests_dir,
                                  timeout, contexts)
        return tag

    async def _build(self, task: Task, tag: str, log: Path, dockerfile: Path | None = None,
                     context: Path | None = None, timeout: float | None = None,
                     contexts: list[str] | None = None) -> None:
        timeout = timeout or task.config.environment.build_timeout_sec
        dockerfile = dockerfile or task.environment_dir / "Dockerfile"
        argv = [self.engine, "build", "-t", tag, "--label", "agentindex.task=" + task.name]
        for ctx in contexts or []:
            argv += ["--build-context", ctx]
        argv += ["-f", str(dockerfile), str(context or task.environment_dir)]
        result = await run_process(argv, timeout=timeout, stdout=log, stderr=log)
        if result.timed_out:
            raise SandboxError(f"{dockerfile}: image build timed out after {timeout:g} s "
                               f"(build_timeout_sec); log: {log}")
        if result.exit_code != 0:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            raise SandboxError(f"{dockerfile}: image build failed (exit {result.exit_code}):\n"
                               f"{tail}")

    async def workdir(self, image: str) -> str:
        """The image's WORKDIR (``/`` when it sets none)."""
        if image not in self._workdirs:
            out = await engine_call([self.engine, "image", "inspect", "--format",
                                     "{{.Config.WorkingDir}}", image])
            self._workdirs[image] = out.check(f"inspecting {image}").stdout.strip() or "/"
        return self._workdirs[image]
