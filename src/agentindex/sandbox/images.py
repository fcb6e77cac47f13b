"""Container engine calls and task images.

A trial's image is resolved in this order, and an error names every step that failed: the task's
``docker_image`` if present locally (or what the site's image map maps it to), a pull of it (with
the site's registry mirror prefix), then a build of ``environment/Dockerfile``, once per build
context and resolved bases. In a build, each ``FROM`` base is the site map's image, else the base
itself when present locally, else its stand-in (``agentindex sandbox stand-in``), else the base
behind the mirror prefix; the task's Dockerfile is not changed, a rewritten copy is built.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from agentindex.errors import SandboxError
from agentindex.paths import cache_dir
from agentindex.sandbox.process import kill_group, run_process
from agentindex.sandbox.standin import LABEL, REPO, normalise
from agentindex.site import SiteConfig
from agentindex.tasks.model import Task

IMAGE_REPO = "localhost/agentindex-env"
CA_PATH = "/opt/agentindex/ca-bundle.crt"  # where builds and sandboxes see the site's CA bundle
_FROM = re.compile(r"^(\s*FROM\s+(?:--\S+\s+)*)(\S+)(.*)$", re.IGNORECASE)
# ``COPY --from=REF``: an image (``ghcr.io/astral-sh/uv:0.8.14``) or an earlier stage's name
_COPY_FROM = re.compile(r"^(\s*COPY\s+(?:--\S+\s+)*?--from=)(\S+)(.*)$", re.IGNORECASE)
VERIFIER_REPO = "localhost/agentindex-verifier"
TASK_LABEL = "agentindex.task-digest"  # on every image built for a task: its digest
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


def from_refs(text: str) -> list[str]:
    """The images a Dockerfile builds on: its ``FROM`` references and the images its ``COPY
    --from=`` lines copy from, minus earlier stage names (and stage numbers)."""
    refs: list[str] = []
    stages: set[str] = set()
    for line in text.splitlines():
        if m := _FROM.match(line):
            ref, rest = m.group(2), m.group(3).split()
            if ref.lower() not in stages:
                refs.append(ref)
            if len(rest) >= 2 and rest[0].lower() == "as":
                stages.add(rest[1].lower())
        elif (m := _COPY_FROM.match(line)) and m.group(2).lower() not in stages \
                and not m.group(2).isdigit():
            refs.append(m.group(2))
    return refs


def rewrite_from(text: str, bases: dict[str, str]) -> str:
    """``text`` with each ``FROM`` and ``COPY --from=`` reference in ``bases`` replaced
    (everything else kept)."""
    out = []
    for line in text.splitlines(keepends=True):
        m = _FROM.match(line.rstrip("\n")) or _COPY_FROM.match(line.rstrip("\n"))
        if m and m.group(2) in bases:
            line = f"{m.group(1)}{bases[m.group(2)]}{m.group(3)}" + ("\n" if line.endswith("\n")
                                                                     else "")
        out.append(line)
    return "".join(out)


def with_build_args(text: str, names: list[str]) -> str:
    """``text`` with ``ARG NAME`` after every ``FROM``: a build's ``--env`` only sets the built
    image's environment, not its ``RUN`` steps' (buildah), while a declared ``ARG`` given with
    ``--build-arg`` is in every ``RUN`` step's environment and not in the image."""
    if not names:
        return text
    out = []
    for line in text.splitlines(keepends=True):
        out.append(line)
        if _FROM.match(line.rstrip("\n")):
            out.append(("" if line.endswith("\n") else "\n")
                       + "".join(f"ARG {name}\n" for name in names))
    return "".join(out)


def mirrored(ref: str, prefix: str) -> str:
    """``ref`` behind a registry mirror (Docker Hub's official images live under library/)."""
    ref = normalise(ref)
    name = ref.split(":")[0].split("@")[0]
    return f"{prefix.rstrip('/')}/{'' if '/' in name else 'library/'}{ref}"


def image_tag(task: Task, dockerfile: str = "") -> str:
    """One tag per build context and (rewritten) Dockerfile."""
    key = context_digest(task.environment_dir) + dockerfile
    return f"{IMAGE_REPO}:{hashlib.sha256(key.encode()).hexdigest()[:20]}"


class ImageCache:
    """One build per build-context digest, also across concurrent trials of the same task."""

    def __init__(self, engine: str, site: SiteConfig | None = None) -> None:
        self.engine = engine
        self.site = site or SiteConfig()
        self._locks: dict[str, asyncio.Lock] = {}
        self._workdirs: dict[str, str] = {}
        self._known: set[str] = set()  # seen to exist by this process: not asked again
        self._failed: dict[str, str] = {}  # builds that failed in this process: not retried
        # Builds and removals never overlap: a removal prunes the removed image's cached parent
        # layers, and a build checking its cache at that moment fails with "layer not known".
        self._turn = asyncio.Condition()
        self._builds = self._removals = 0

    async def exists(self, image: str) -> bool:
        if image not in self._known and (
                await engine_call([self.engine, "image", "inspect", image])).returncode == 0:
            self._known.add(image)
        return image in self._known

    def _mapped(self, ref: str) -> str | None:
        mapped = self.site.images.mapped()
        return mapped.get(ref) or mapped.get(normalise(ref))

    async def image_for(self, task: Task, log: Path) -> str:
        """The image a trial of ``task`` runs (see the module's docstring for the order)."""
        named = task.config.environment.docker_image
        failed: list[str] = []
        if named:
            local = self._mapped(named) or named
            if await self.exists(local):
                return local
            failed.append(f"{local} is not present locally")
            prefix = self.site.images.mirror_prefix
            ref = mirrored(named, prefix) if prefix else local
            pulled = await engine_call([self.engine, "pull", ref],
                                       task.config.environment.build_timeout_sec)
            if pulled.returncode == 0:
                self._known.add(ref)
                return ref
            failed.append(f"pulling {ref} failed: {_last_line(pulled.stderr)}")
        dockerfile = task.environment_dir / "Dockerfile"
        if not dockerfile.is_file():
            failed.append("there is no environment/Dockerfile to build")
            raise SandboxError(f"{task.path}: no image: {'; '.join(failed)}")
        try:
            return await self._built(task, dockerfile, log)
        except SandboxError as e:
            failed.append(str(e))
            raise SandboxError(f"{task.path}: no image: {'; '.join(failed)}") from None

    async def _built(self, task: Task, dockerfile: Path, log: Path) -> str:
        text = dockerfile.read_text(errors="replace")
        bases = {ref: await self.base_for(ref) for ref in from_refs(text)}
        rewritten = rewrite_from(text, {k: v for k, v in bases.items() if k != v})
        # The bases' image ids are part of the key: a base rebuilt under the same name (a
        # stand-in with more packages) makes the task's image be built again on it.
        ids = [await self._local_id(b) for b in sorted(set(bases.values()))]
        tag = image_tag(task, rewritten + "".join(f"\0{i}" for i in ids if i))
        async with self._locks.setdefault(tag, asyncio.Lock()):
            if tag in self._failed:  # the same context fails the same way: say so at once
                raise SandboxError(self._failed[tag])
            if not await self.exists(tag):
                try:
                    await self._build(task, tag, log, rewritten)
                except SandboxError as e:
                    self._failed[tag] = f"{e} (this build failed once already in this run)"
                    raise
        return tag

    async def _local_id(self, image: str) -> str:
        """The id of a local image ('' when it is not here: a build will pull it)."""
        out = await engine_call([self.engine, "image", "inspect", "--format", "{{.Id}}", image])
        return out.stdout.strip() if out.returncode == 0 else ""

    async def base_for(self, ref: str) -> str:
        """What a ``FROM ref`` builds on here."""
        if "$" in ref:
            return ref  # an ARG: the engine resolves it
        if mapped := self._mapped(ref):
            return mapped
        if await self.exists(ref):
            return ref
        stand_in = f"{REPO}/{normalise(ref)}"
        if await self.exists(stand_in):
            return stand_in
        prefix = self.site.images.mirror_prefix
        return mirrored(ref, prefix) if prefix else ref

    def _site_env(self) -> dict[str, str]:
        """The site's proxies, package index and CA bundle, as the build's RUN steps need them."""
        net = self.site.network
        env = net.build_env()
        if net.ca_bundle:
            env |= {key: CA_PATH for key in ("SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE",
                                             "CURL_CA_BUNDLE")}
        return env

    def _site_args(self) -> list[str]:
        """Build flags for the site's settings: ``--env`` (the image's environment: a sandbox
        mounts the CA bundle where it points), ``--build-arg`` (its RUN steps', declared by
        :func:`with_build_args`) and the CA bundle mounted for the RUN steps."""
        env = self._site_env()
        args = [a for k, v in env.items() for a in ("--env", f"{k}={v}", "--build-arg",
                                                   f"{k}={v}")]
        if self.site.network.ca_bundle:
            args += ["-v", f"{self.site.network.ca_bundle}:{CA_PATH}:ro"]
        return args

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
                await self._build(task, tag, log, task.verifier_dockerfile.read_text(),
                                  task.tests_dir, timeout, contexts, what="tests/Dockerfile")
        return tag

    async def _build(self, task: Task, tag: str, log: Path, dockerfile: str,
                     context: Path | None = None, timeout: float | None = None,
                     contexts: list[str] | None = None,
                     what: str = "environment/Dockerfile") -> None:
        """Build ``dockerfile`` (its text, FROM lines already resolved; kept beside the log)
        in ``context`` (default environment/) with the site's proxies, index and CA bundle."""
        timeout = timeout or task.config.environment.build_timeout_sec
        log.parent.mkdir(parents=True, exist_ok=True)
        resolved = log.with_name(what.replace("/", "-") + ".resolved")
        resolved.write_text(with_build_args(dockerfile, list(self._site_env())))
        argv = [self.engine, "build", "-t", tag, "--label", "agentindex.task=" + task.name,
                "--label", f"{TASK_LABEL}={task.digest}", *self._site_args()]
        for ctx in contexts or []:
            argv += ["--build-context", ctx]
        argv += ["-f", str(resolved), str(context or task.environment_dir)]
        async with self._building():
            result = await run_process(argv, timeout=timeout, stdout=log, stderr=log)
        if result.timed_out:
            raise SandboxError(f"building {what} timed out after {timeout:g} s "
                               f"(build_timeout_sec); log: {log}")
        if result.exit_code != 0:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            raise SandboxError(f"building {what} failed (exit {result.exit_code}):\n{tail}")

    async def remove_built(self, task: Task) -> list[str]:
        """Remove the images built here for ``task`` (its environment and separate verifier;
        never a stand-in or a pulled image), once its trials are over. Returns the ids removed;
        a later trial that needs one builds it again."""
        listed = await engine_call([self.engine, "images", "-q", "--no-trunc", "--filter",
                                    f"label={TASK_LABEL}={task.digest}"])
        ids = sorted(set(listed.stdout.split())) if listed.returncode == 0 else []
        if ids:  # one call: the engine orders a verifier image before the image it builds on.
            # Never --force: it also removes every container using an image, the build
            # containers of another task's build on a cached layer the two share included.
            # Without it the engine keeps what a container still uses.
            async with self._removing():
                await engine_call([self.engine, "rmi", *ids])
            self._known.clear()  # a tag seen before may be gone now: ask the engine again
        left = await engine_call([self.engine, "images", "-q", "--no-trunc", "--filter",
                                  f"label={TASK_LABEL}={task.digest}"])
        return sorted(set(ids) - set(left.stdout.split()))

    @contextlib.asynccontextmanager
    async def _building(self) -> AsyncIterator[None]:
        """A build's turn: after any removal waiting or running (builds share their turn)."""
        async with self._turn:
            await self._turn.wait_for(lambda: self._removals == 0)
            self._builds += 1
        try:
            yield
        finally:
            async with self._turn:
                self._builds -= 1
                self._turn.notify_all()

    @contextlib.asynccontextmanager
    async def _removing(self) -> AsyncIterator[None]:
        """A removal's turn: once the running builds end; builds asking meanwhile wait for it."""
        async with self._turn:
            self._removals += 1
            await self._turn.wait_for(lambda: self._builds == 0)
        try:
            yield
        finally:
            async with self._turn:
                self._removals -= 1
                self._turn.notify_all()

    async def info(self, image: str) -> dict[str, str | None]:
        """What a trial records about the image it ran: its id and the base it stands in for."""
        out = await engine_call([self.engine, "image", "inspect", "--format",
                                 "{{.Id}}\t{{index .Labels \"" + LABEL + "\"}}", image])
        image_id, _, stand_in = out.check(f"inspecting {image}").stdout.strip().partition("\t")
        return {"image": image, "image_id": image_id,
                "stand_in_for": stand_in if stand_in and stand_in != "<no value>" else None}

    async def workdir(self, image: str) -> str:
        """The image's WORKDIR (``/`` when it sets none)."""
        if image not in self._workdirs:
            out = await engine_call([self.engine, "image", "inspect", "--format",
                                     "{{.Config.WorkingDir}}", image])
            self._workdirs[image] = out.check(f"inspecting {image}").stdout.strip() or "/"
        return self._workdirs[image]


def _last_line(text: str) -> str:
    lines = [x for x in text.strip().splitlines() if x.strip()]
    return lines[-1][-300:] if lines else "no output"
