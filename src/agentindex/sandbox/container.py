"""The ``container`` backend: any Docker-compatible CLI (podman or docker).

One container per try, from the task's image (built from its Dockerfile, cached by build-context
digest; or its ``docker_image``), with the task's cpus / memory limits and a pids limit. PID 1 is
a pause process (``catatonit -P``, mounted from the host) that reaps orphans. The agent and the
verifier run by ``exec``, one at a time; what a command started and left running keeps running
(a service the agent starts is what Terminal-Bench's tests check, as in its own harness), and a
command that times out is killed with every process in the container (a restart). ``/logs`` is a
host directory mounted in; tests are copied in only after the agent has stopped. Agent installs
from the host cache are mounted read-only.

Network: ``none`` is ``--network none``; ``gateway`` joins the trial's namespace
(``--network ns:PATH``, podman only: docker cannot join a namespace by path, so it refuses);
``host`` shares the host's network. Containers are named ``agentindex-OWNER-RANDOM`` and labelled
with the job and trial ids; those of a runner that is gone are removed when a backend first starts
a sandbox.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from agentindex.errors import SandboxError, UnsupportedBySandbox
from agentindex.sandbox.base import Capabilities, ExecResult, Network, SandboxSpec
from agentindex.sandbox.cleanup import PREFIX, owner_id, resource_name, stale
from agentindex.sandbox.images import CA_PATH, ImageCache, detect_engine, engine_call, engine_cwd
from agentindex.sandbox.materialize import copy_out
from agentindex.sandbox.process import run_process
from agentindex.site import load_site
from agentindex.tasks.model import Task

INIT_CANDIDATES = ("/usr/bin/catatonit", "/usr/libexec/podman/catatonit")
INIT_MOUNT = "/run/agentindex-init"


def _capabilities(engine: str | None) -> Capabilities:
    podman = engine is not None and Path(engine).name == "podman"
    networks = {Network.NONE, Network.HOST} | ({Network.GATEWAY} if podman else set())
    return Capabilities(name="container", isolates_network=True, limits_memory=True,
                        limits_cpus=True, limits_pids=True, runs_any_dockerfile=True,
                        networks=frozenset(networks))


def _static_init() -> str | None:
    return next((p for p in INIT_CANDIDATES if os.path.isfile(p)), None)


class ContainerBackend:
    def __init__(self, engine: str | None = None) -> None:
        self.engine = detect_engine(engine)
        self.capabilities = _capabilities(self.engine)
        self.site = load_site()
        self.images = ImageCache(self.engine or "podman", self.site)
        self.init = _static_init()
        self._usable: str | None = None  # "" once the engine answered, else why not
        self._cleaned: asyncio.Lock | None = None
        self._clean_done = False

    def check(self, task: Task, network: Network) -> None:
        if not self.engine:
            raise SandboxError("no container engine (podman or docker) on PATH: run "
                               "scripts/setup_podman.sh")
        if network not in self.capabilities.networks:
            raise UnsupportedBySandbox(
                f"the container backend with {Path(self.engine).name} cannot enforce network "
                f"policy {network.value!r} (it enforces: "
                f"{', '.join(sorted(n.value for n in self.capabilities.networks))}); "
                "use podman, or another backend")
        env = task.config.environment
        if self._usable is None:
            self._usable = _probe(self.engine)
        if self._usable:
            raise SandboxError(self._usable)
        if not (task.environment_dir / "Dockerfile").is_file() and not env.docker_image:
            raise UnsupportedBySandbox(f"{task.path}: no environment/Dockerfile and no "
                                       "docker_image")
        if env.gpus:
            raise UnsupportedBySandbox(f"{task.path}: asks for {env.gpus} GPU(s); the container "
                                       "backend passes none through")

    def sandbox(self, spec: SandboxSpec) -> ContainerSandbox:
        return ContainerSandbox(self, spec)

    async def remove_stale_once(self) -> None:
        """Before the first sandbox: remove the containers of runners that are gone."""
        if self._clean_done:
            return
        self._cleaned = self._cleaned or asyncio.Lock()
        async with self._cleaned:
            if not self._clean_done:
                await remove_stale_containers(self.engine or "podman")
                self._clean_done = True


def _probe(engine: str) -> str:
    """'' when the engine answers, else a message saying why the backend cannot run."""
    proc = subprocess.run([engine, "info"], capture_output=True, text=True, timeout=60)
    if proc.returncode == 0:
        return ""
    return (f"{engine} does not work here: {proc.stderr.strip()[-400:]} "
            "(run scripts/setup_podman.sh)")


async def list_ours(engine: str) -> list[str]:
    """Names of every container made by an agentindex runner, live or not."""
    out = await engine_call([engine, "ps", "-a", "--filter", f"name=^{PREFIX}-",
                             "--format", "{{.Names}}"])
    return [n for n in out.check("listing containers").stdout.split() if n.startswith(PREFIX)]


async def remove_stale_containers(engine: str) -> list[str]:
    """Remove containers whose runner is gone (``kill -9``); returns their names."""
    dead = [n for n in await list_ours(engine) if stale(n)]
    if dead:
        await engine_call([engine, "rm", "-f", "-t", "0", *dead])
    return dead


def run_argv(engine: str, spec: SandboxSpec, image: str, name: str, logs: Path,
             init: str | None, ca_bundle: str = "") -> list[str]:
    """The ``run`` command that starts a trial's container, paused until execs arrive."""
    lim = spec.limits
    argv = [engine, "run", "-d", "--name", name, "--hostname", "sandbox",
            "--label", f"agentindex.owner={owner_id()}", "--label", f"agentindex.job={spec.job}",
            "--label", f"agentindex.trial={spec.trial_id}",
            "-v", f"{logs}:/logs"]
    if lim.cpus is not None:
        argv += ["--cpus", f"{lim.cpus:g}"]
    if lim.memory_mb is not None:  # swap capped at the same size: the limit is a real limit
        argv += ["--memory", f"{lim.memory_mb}m", "--memory-swap", f"{lim.memory_mb}m"]
    if lim.pids is not None:
        argv += ["--pids-limit", str(lim.pids)]
    match spec.network:
        case Network.NONE:
            argv += ["--network", "none"]
        case Network.GATEWAY:
            if spec.netns is None:
                raise SandboxError("network policy 'gateway' without a network namespace")
            argv += ["--network", f"ns:{spec.netns}"]
        case Network.HOST:
            argv += ["--network", "host"]
    for target, source in spec.ro_mounts.items():
        argv += ["-v", f"{source}:{target}:ro"]
    for target, source in spec.rw_mounts.items():
        argv += ["-v", f"{source}:{target}"]
    if ca_bundle and CA_PATH not in spec.ro_mounts:  # images built here point their env at it
        argv += ["-v", f"{ca_bundle}:{CA_PATH}:ro"]
    for key, value in spec.env.items():
        argv += ["--env", f"{key}={value}"]
    if init:  # a static pause binary that reaps zombies; PID 1 is immune to `kill -1`
        argv += ["-v", f"{init}:{INIT_MOUNT}:ro", "--entrypoint", INIT_MOUNT, image, "-P"]
    else:
        argv += ["--entrypoint", "sleep", image, "infinity"]
    return argv


class ContainerSandbox:
    def __init__(self, backend: ContainerBackend, spec: SandboxSpec) -> None:
        if backend.engine is None:
            raise SandboxError("no container engine")
        self.engine: str = backend.engine
        self.backend, self.spec = backend, spec
        self.name = resource_name()
        self.logs = spec.scratch / "logs"
        self.workdir = "/"
        self.started = False
        self.image_info: dict[str, str | None] = {}  # recorded on the trial

    async def __aenter__(self) -> Self:
        await self.backend.remove_stale_once()
        for sub in ("agent", "verifier"):
            (self.logs / sub).mkdir(parents=True, exist_ok=True)
        images, log = self.backend.images, self.spec.scratch / "build.log"
        image = await (images.verifier_image_for if self.spec.verifier else images.image_for)(
            self.spec.task, log)
        self.workdir = await self.backend.images.workdir(image)
        self.image_info = await self.backend.images.info(image)
        argv = run_argv(self.engine, self.spec, image, self.name, self.logs, self.backend.init,
                        self.backend.site.network.ca_bundle)
        try:
            started = await engine_call(argv)
            self.started = True  # even a failed `run` may have created the container
            started.check(f"starting the container for trial {self.spec.trial_id}")
        except BaseException:
            await self._remove()
            raise
        return self

    async def __aexit__(self, et: type[BaseException] | None, e: BaseException | None,
                        tb: TracebackType | None) -> None:
        try:
            await self._remove()
        finally:
            await asyncio.to_thread(shutil.rmtree, self.spec.scratch, True)

    async def _remove(self) -> None:
        await asyncio.shield(engine_call([self.engine, "rm", "-f", "-t", "0", self.name]))

    async def exec(self, argv: Sequence[str], *, env: Mapping[str, str], timeout: float,
                   stdout: Path, stderr: Path, cwd: str | None = None) -> ExecResult:
        cmd = [self.engine, "exec", "--workdir", cwd or self.workdir]
        for key, value in env.items():
            cmd += ["--env", f"{key}={value}"]
        timed_out = True
        try:
            # What the command started and left running keeps running, as in Terminal-Bench's
            # own harness: a service the agent (or the oracle) starts is what the tests check
            # (configure-git-webserver's sshd and nginx, ...). A command that times out is
            # killed with everything in the container (restart).
            result = await run_process([*cmd, self.name, *argv], timeout=timeout,
                                       stdout=stdout, stderr=stderr, cwd=engine_cwd())
            timed_out = result.timed_out
            return result
        finally:
            if timed_out:  # or cancelled: the engine client was killed, not what it started
                await asyncio.shield(self._restart())

    async def _restart(self) -> None:
        """Kill every process in the container, even when a fork bomb leaves no room for one
        more: a restart kills PID 1 and with it the namespace; files stay as they were."""
        await engine_call([self.engine, "restart", "-t", "0", self.name])

    async def put(self, src: Path, dest: str) -> None:
        if dest == "/logs" or dest.startswith("/logs/"):  # a host directory mounted in
            host = self.logs / dest[len("/logs"):].lstrip("/")
            await asyncio.to_thread(shutil.copytree, src, host, symlinks=True,
                                    dirs_exist_ok=True)
            return
        (await engine_call([self.engine, "exec", self.name, "mkdir", "-p", dest])).check(
            f"mkdir {dest}")
        (await engine_call([self.engine, "cp", f"{src}/.", f"{self.name}:{dest}"])).check(
            f"copying {src} to {dest}")

    async def get(self, src: str, dest: Path) -> None:
        if src == "/logs" or src.startswith("/logs/"):
            await copy_out(self.logs / src[len("/logs"):].lstrip("/"), dest)
            return
        staging = self.spec.scratch / "out" / resource_name()
        staging.mkdir(parents=True)
        copied = await engine_call([self.engine, "cp", f"{self.name}:{src}", str(staging)])
        if copied.returncode != 0:
            return  # a missing src copies nothing
        (item,) = list(staging.iterdir())
        if item.is_dir():
            await asyncio.to_thread(shutil.copytree, item, dest, symlinks=True,
                                    dirs_exist_ok=True)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(shutil.move, item, dest)
