"""Installs of harnesses: once per version, into ``CACHE/NAME@VERSION``, never per trial.

An install runs into a temporary directory beside its target and is renamed into place only when it
succeeded, so a half-finished install (a killed runner, a full disk) is never taken for a real one.
Concurrent trials of the same version, in this process or another, wait on one lock file and the
first one installs. A failed install raises :class:`InstallError` carrying the installer's message.

Inside a trial's sandbox its agent's install (and the verifier's uv) is bound read-only under
:data:`SANDBOX_ROOT`, so an install made at ``CACHE/NAME@VERSION`` runs there as
``/opt/agentindex/agents/NAME@VERSION`` (no other install is visible): installs must not
depend on their own absolute path (npm's ``.bin`` links are relative; a venv is run as
``bin/python -m ...``, never through its scripts, whose shebangs name the path it was built at).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from agentindex.errors import InstallError
from agentindex.paths import cache_dir

CACHE = cache_dir("agents")  # installs, one folder per version
SANDBOX_ROOT = "/opt/agentindex/agents"  # where a sandbox sees the installs it mounts
DONE = ".agentindex-installed"  # written last: a directory without it is not an install
HOST_PYTHON = "/usr/bin/python3"  # the sandbox sees the host's /usr, so a venv must be built on it
INSTALL_TIMEOUT_S = 1800.0


@dataclass(frozen=True)
class NpmPackage:
    """A node CLI from the npm registry; ``bin`` is its command under ``node_modules/.bin``."""

    package: str
    bin: str

    def commands(self, prefix: Path, version: str) -> list[list[str]]:
        # --no-audit/--no-fund: no extra registry calls; the engines check is left on so a version
        # that needs a newer node fails here rather than in every trial.
        return [["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
                 "--no-update-notifier", "--omit=dev", f"{self.package}@{version}"]]

    def executable(self, root: str) -> list[str]:
        return [f"{root}/node_modules/.bin/{self.bin}"]


@dataclass(frozen=True)
class PipPackage:
    """A Python CLI from PyPI in its own venv on the host's ``/usr/bin/python3``; run as
    ``bin/python -m MODULE`` so it works wherever the venv is bound."""

    package: str
    module: str

    def commands(self, prefix: Path, version: str) -> list[list[str]]:
        python = str(prefix / "bin" / "python")
        return [[HOST_PYTHON, "-m", "venv", str(prefix)],
                [python, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                 "--no-input", f"{self.package}=={version}"]]

    def executable(self, root: str) -> list[str]:
        return [f"{root}/bin/python", "-m", self.module]


@dataclass(frozen=True)
class ScriptPackage:
    """A CLI its vendor ships only through an install script (Cursor's), run with HOME set to
    the install directory; ``version`` "latest" runs the script, another one fetches that build's
    archive from ``archive`` (a URL template with ``{version}``)."""

    script: str
    archive: str
    bin: str  # relative to the install directory

    def commands(self, prefix: Path, version: str) -> list[list[str]]:
        fetch = "set -o pipefail; curl -fsSL --connect-timeout 10 --max-time 600"
        if version == "latest":
            return [["bash", "-c", f'{fetch} "$1" | HOME="$2" bash', "install", self.script,
                     str(prefix)]]
        url = self.archive.format(version=version)
        return [["bash", "-c", f'mkdir -p "$2/dist" && {fetch} "$1" | tar -xz -C "$2/dist" '
                 '--strip-components=1', "install", url, str(prefix)]]

    def executable(self, root: str) -> list[str]:
        return [f"{root}/{self.bin}"]


Package = NpmPackage | PipPackage | ScriptPackage


@dataclass(frozen=True)
class Installed:
    """An install on the host (``path``) and where the sandbox sees it (``sandbox_path``)."""

    path: Path
    sandbox_path: str
    seconds: float  # time spent installing now: 0.0 when it was already there


def install_dir(cache: Path, name: str, version: str) -> Path:
    return cache / f"{name}@{version}"


def sandbox_dir(name: str, version: str) -> str:
    return f"{SANDBOX_ROOT}/{name}@{version}"


def is_installed(cache: Path, name: str, version: str) -> bool:
    return (install_dir(cache, name, version) / DONE).is_file()


async def ensure_installed(cache: Path, name: str, version: str, package: Package) -> Installed:
    """Install ``package`` at ``version`` into ``CACHE/NAME@VERSION`` unless it is there."""
    final = install_dir(cache, name, version)
    where = sandbox_dir(name, version)
    if (final / DONE).is_file():
        return Installed(final, where, 0.0)
    cache.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    async with _locked(cache / f".{name}@{version}.lock"):
        if (final / DONE).is_file():  # another trial installed it while we waited
            return Installed(final, where, 0.0)
        tmp = cache / f".{name}@{version}.tmp-{os.getpid()}"
        await asyncio.to_thread(shutil.rmtree, tmp, True)
        tmp.mkdir()
        try:
            for argv in package.commands(tmp, version):
                await _run_installer(argv, tmp, f"{name}@{version}")
            if not Path(package.executable(str(tmp))[0]).exists():
                raise InstallError(f"installing {name}@{version} left no "
                                   f"{package.executable('')[0].lstrip('/')}")
            (tmp / DONE).write_text(f"{package}\n")
            await asyncio.to_thread(shutil.rmtree, final, True)  # a leftover without DONE
            tmp.rename(final)
        finally:
            await asyncio.to_thread(shutil.rmtree, tmp, True)
    return Installed(final, where, time.monotonic() - t0)


async def _run_installer(argv: Sequence[str], cwd: Path, what: str) -> None:
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, cwd=cwd, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, start_new_session=True)
    except OSError as e:
        raise InstallError(f"cannot install {what}: {argv[0]}: {e}") from e
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), INSTALL_TIMEOUT_S)
    except TimeoutError as e:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)
        await proc.wait()
        raise InstallError(f"installing {what} took longer than {INSTALL_TIMEOUT_S:g} s") from e
    if proc.returncode != 0:
        tail = "\n".join(out.decode(errors="replace").strip().splitlines()[-15:])
        raise InstallError(f"installing {what} failed ({argv[0]} exited {proc.returncode}):\n"
                           f"{tail}")


@contextlib.asynccontextmanager
async def _locked(path: Path) -> AsyncIterator[None]:
    """An exclusive ``flock`` on ``path``; each holder opens its own file description, so it
    excludes other processes and other trials of this one alike. Polled, not blocking, so a
    waiting trial can be cancelled."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                await asyncio.sleep(0.2)
        yield
    finally:
        os.close(fd)  # closing releases the lock
