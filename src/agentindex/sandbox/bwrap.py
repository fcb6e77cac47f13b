"""The ``bwrap`` backend: bubblewrap over the host's read-only ``/usr``.

Layout inside: WORKDIR (e.g. ``/app``) and ``/logs`` writable, private ``/tmp`` and HOME, ``/tests``
bound only once ``put`` has copied it in (after the agent stopped), ``/solution`` only for the
oracle. A separate verifier (schema 1.3) gets a fresh copy of the task's environment with the files
its ``tests/Dockerfile`` adds at ``/tests``, where that Dockerfile does no more than that. Every
``exec`` is its own bwrap with a new PID namespace: when the command ends or is killed, every
process it started dies with the namespace.
"""

from __future__ import annotations

import asyncio
import functools
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from agentindex import failpoints
from agentindex.errors import SandboxError, UnsupportedBySandbox
from agentindex.paths import cache_dir
from agentindex.sandbox.base import Capabilities, ExecResult, Limits, Network, SandboxSpec
from agentindex.sandbox.dockerfile import Environment, parse_dockerfile
from agentindex.sandbox.hostetc import minimal_etc
from agentindex.sandbox.limits import (
    CGROUP_ROOT,
    POOL,
    Cgroup,
    cgroups_writable,
    remove_stale_cgroups,
)
from agentindex.sandbox.materialize import copy_out, materialize
from agentindex.sandbox.netns import netns_supported
from agentindex.sandbox.process import run_process
from agentindex.tasks.model import Task

HOME = "/home/agent"
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CACHE = cache_dir("bwrap")
MERGED_USR = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")


class BwrapBackend:
    """``cgroup_root``: where the cgroups that enforce a task's limits are made (the host's
    hierarchy; another directory for a test of a host where it cannot be written)."""

    def __init__(self, bwrap: str | None = None, cgroup_root: Path = CGROUP_ROOT) -> None:
        self.bwrap = bwrap or shutil.which("bwrap") or "bwrap"
        self.cgroup_root = cgroup_root
        # Limits need cgroups we may write; "gateway" needs to join a namespace (root + nsenter).
        cg = cgroups_writable(cgroup_root)
        joins = netns_supported() and shutil.which("nsenter") is not None
        self.capabilities = Capabilities(
            name="bwrap", isolates_network=True, limits_memory=cg, limits_cpus=cg,
            limits_pids=cg, runs_any_dockerfile=False,
            limits_note="" if cg else f"it makes a cgroup per trial under {cgroup_root}, which "
                                      "this process cannot write",
            networks=frozenset({Network.NONE, Network.HOST} | ({Network.GATEWAY} if joins
                                                               else set())))
        self._cleaned = False

    def check(self, task: Task, network: Network) -> None:
        environment(task)  # raises when the Dockerfile needs a real build
        if task.config.verifier.separate:
            tests_layer(task)  # and so does a verifier's that does more than add files
        if not shutil.which(self.bwrap):
            raise SandboxError("bubblewrap is not installed: run `make setup` "
                               "(or apt-get install bubblewrap)")
        if network not in self.capabilities.networks:
            raise UnsupportedBySandbox(
                f"the bwrap backend cannot enforce network policy {network.value!r} here "
                "(it needs root, `ip netns` and nsenter); use another backend")

    def sandbox(self, spec: SandboxSpec) -> BwrapSandbox:
        if not self._cleaned and self.capabilities.limits_pids:
            remove_stale_cgroups(self.cgroup_root)  # left by a runner killed with kill -9
            self._cleaned = True
        return BwrapSandbox(self.bwrap, spec, self.cgroup_root if self.capabilities.limits_pids
                            else None)


def environment(task: Task) -> Environment:
    """The task's Dockerfile as bwrap honours it; raises what bwrap cannot honour. Read once per
    task content (``check`` and every trial's sandbox ask for it); callers must not mutate it."""
    return _environment(task.path, task.digest, task.config.environment.docker_image)


@functools.lru_cache(maxsize=4096)
def _environment(path: Path, digest: str, image: str | None) -> Environment:
    dockerfile = path / "environment" / "Dockerfile"
    if not dockerfile.is_file():
        why = f"uses the image {image}" if image else "has no environment/Dockerfile"
        raise UnsupportedBySandbox(f"{path}: the task {why}; it needs the container backend")
    env = parse_dockerfile(dockerfile)
    if env.workdir == "/":
        raise UnsupportedBySandbox(f"{dockerfile}: no WORKDIR (or WORKDIR /): bwrap binds the "
                                   "task's files at WORKDIR and cannot bind them over /")
    for package, line in env.apt_packages.items():
        if not host_has_package(package):
            raise UnsupportedBySandbox(
                f"{dockerfile}:{line}: apt-get install {package}: not installed on this host, "
                f"whose /usr bwrap uses; install it (apt-get install {package}) or use the "
                "container backend")
    return env


def tests_layer(task: Task) -> Environment:
    """A separate verifier's ``tests/Dockerfile`` as bwrap honours it: FROM the task's own image,
    files COPY'd into /tests, ENV. The verifier then runs in a fresh copy of the task's
    environment with those files at /tests; anything else is refused, naming the file."""
    return _tests_layer(task.path, task.digest, task.config.environment.docker_image)


@functools.lru_cache(maxsize=4096)
def _tests_layer(path: Path, digest: str, image: str | None) -> Environment:
    dockerfile = path / "tests" / "Dockerfile"
    layer = parse_dockerfile(dockerfile)
    own = {image, _environment(path, digest, image).base_image} - {None}
    if layer.base_image not in own:
        raise UnsupportedBySandbox(
            f"{dockerfile}: FROM {layer.base_image}: bwrap runs a separate verifier only in the "
            f"task's own environment (FROM {' or '.join(sorted(map(str, own)))}); use the "
            "container backend (-e container)")
    for copy in layer.copies:
        if not (copy.dest + "/").startswith("/tests/"):
            raise UnsupportedBySandbox(
                f"{dockerfile}:{copy.line}: COPY to {copy.dest}: bwrap adds a verifier's files "
                "only under /tests; use the container backend (-e container)")
    for package, line in layer.apt_packages.items():
        if not host_has_package(package):
            raise UnsupportedBySandbox(f"{dockerfile}:{line}: apt-get install {package}: not "
                                       "installed on this host; use the container backend")
    return Environment(base_image=layer.base_image, workdir="/tests", copies=layer.copies,
                       env=layer.env)


@functools.cache
def host_has_package(package: str) -> bool:
    result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True,
                            text=True, check=False)
    return result.stdout.strip() == "install ok installed"


class BwrapSandbox:
    """``cgroup_root``: where to make the try's cgroup; None: no cgroup (limits unenforced)."""

    def __init__(self, bwrap: str, spec: SandboxSpec, cgroup_root: Path | None = None) -> None:
        self.bwrap, self.spec = bwrap, spec
        self.cgroup_root = cgroup_root if spec.limits != Limits() else None
        self.cgroup: Cgroup | None = None
        self.env = environment(spec.task)
        self.tests = tests_layer(spec.task) if spec.verifier else None
        self.workdir = self.env.workdir
        root = spec.scratch
        self.dirs = {"work": root / "work", "logs": root / "logs", "tmp": root / "tmp",
                     "home": root / "home"}
        self.mounts: dict[str, Path] = {}  # sandbox path -> host copy, added by put()
        self.etc = minimal_etc(CACHE)
        self.execs = 0  # commands run so far (a failpoint's key)

    async def __aenter__(self) -> Self:
        if failpoints.fires("sandbox.start", self.spec.scratch.name):
            raise SandboxError("the sandbox did not start (failpoint sandbox.start)")
        for d in self.dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        for sub in ("agent", "verifier"):
            (self.dirs["logs"] / sub).mkdir(exist_ok=True)
        task = self.spec.task
        await asyncio.to_thread(materialize, self.env, task.environment_dir, self.dirs["work"],
                                task.environment_dir / "Dockerfile")
        if self.tests is not None:  # a separate verifier: its image's files at /tests
            host = self.spec.scratch / "verifier-tests"
            await asyncio.to_thread(materialize, self.tests, task.tests_dir, host,
                                    task.verifier_dockerfile)
            self.mounts["/tests"] = host
        if self.cgroup_root is not None:
            self.cgroup = POOL.take(self.spec.limits, self.cgroup_root) or await asyncio.to_thread(
                Cgroup.create, self.spec.limits, self.cgroup_root)
        return self

    async def __aexit__(self, et: type[BaseException] | None, e: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self.cgroup is not None and not POOL.give_if_empty(self.cgroup, self.spec.limits):
            await asyncio.to_thread(POOL.give, self.cgroup, self.spec.limits)
        await asyncio.to_thread(shutil.rmtree, self.spec.scratch, True)

    def argv(self, command: Sequence[str], env: Mapping[str, str], cwd: str) -> list[str]:
        # Root outside keeps every capability inside unless dropped (mount, mknod: an escape).
        args = [self.bwrap, "--die-with-parent", "--new-session", "--unshare-pid",
                "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox",
                "--cap-drop", "ALL", "--ro-bind", "/usr", "/usr"]
        for name in MERGED_USR:
            link = Path("/") / name
            if link.is_symlink():
                args += ["--symlink", str(link.readlink()), f"/{name}"]
            elif link.is_dir():
                args += ["--ro-bind", str(link), f"/{name}"]
        args += ["--ro-bind", str(self.etc), "/etc"]
        if self.spec.network is Network.NONE:
            args.append("--unshare-net")
        args += ["--proc", "/proc", "--dev", "/dev",
                 "--bind", str(self.dirs["tmp"]), "/tmp",
                 "--bind", str(self.dirs["home"]), HOME,
                 "--bind", str(self.dirs["logs"]), "/logs",
                 "--bind", str(self.dirs["work"]), self.workdir]
        for target, source in {**self.spec.ro_mounts, **self.mounts}.items():
            args += ["--ro-bind", str(source), target]
        for target, source in self.spec.rw_mounts.items():
            args += ["--bind", str(source), target]
        args += ["--chdir", cwd, "--clearenv"]
        layer = self.tests.env if self.tests is not None else {}
        full_env = {"PATH": PATH, "HOME": HOME, "LANG": "C.UTF-8", **self.env.env, **layer,
                    **self.spec.env, **env}
        for key, value in full_env.items():
            args += ["--setenv", key, value]
        return [*args, "--", *command]

    async def exec(self, argv: Sequence[str], *, env: Mapping[str, str], timeout: float,
                   stdout: Path, stderr: Path, cwd: str | None = None) -> ExecResult:
        self.execs += 1
        if failpoints.fires("sandbox.exec", f"{self.spec.scratch.name}:{self.execs}"):
            raise SandboxError(f"{argv[0]}: could not start in the sandbox "
                               "(failpoint sandbox.exec)")
        command = self.argv(argv, env, cwd or self.workdir)
        if self.spec.network is Network.GATEWAY:  # join the trial's namespace, then exec bwrap
            if self.spec.netns is None:
                raise SandboxError("network policy 'gateway' without a network namespace")
            command = ["nsenter", f"--net={self.spec.netns}", "--", *command]
        if self.cgroup is not None:
            command = self.cgroup.wrap(command)
        # bwrap's own process is PID 1 inside and its environ is readable there: give it none of
        # the runner's environment (provider keys live there).
        return await run_process(command, timeout=timeout, stdout=stdout, stderr=stderr,
                                 env={"PATH": PATH})

    def host_path(self, path: str) -> Path | None:
        """Where a sandbox path lives on the host, for the writable areas and put() copies."""
        areas = {self.workdir: self.dirs["work"], "/logs": self.dirs["logs"],
                 "/tmp": self.dirs["tmp"], HOME: self.dirs["home"], **self.mounts}
        for area, host in sorted(areas.items(), key=lambda kv: -len(kv[0])):
            if path == area or path.startswith(area.rstrip("/") + "/"):
                return host / path[len(area):].lstrip("/")
        return None

    async def put(self, src: Path, dest: str) -> None:
        host = self.spec.scratch / "mounts" / dest.strip("/").replace("/", "_")
        await asyncio.to_thread(shutil.copytree, src, host, symlinks=True, dirs_exist_ok=True)
        self.mounts[dest] = host

    async def get(self, src: str, dest: Path) -> None:
        host = self.host_path(src)
        if host is None:
            raise SandboxError(f"bwrap sandbox: {src} is not a path it can copy out")
        await copy_out(host, dest)
