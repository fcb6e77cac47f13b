"""A Python for the verifier where the image has none: CPython built once per machine.

Terminal-Bench 2's ``test.sh`` runs ``uvx -p 3.13 ...``; uv may not download a Python here
(``UV_PYTHON_DOWNLOADS=never``: GitHub is out of reach), so a task whose image installs no
Python 3.13 (most of TB2's ``ubuntu:24.04`` tasks) cannot be verified. We build CPython from
Debian's pristine upstream tarball (``deb.debian.org`` is reachable where GitHub is not; its
sha256 is pinned below, as Debian's ``.dsc`` lists it) once, into the cache, configured with the
fixed prefix :data:`SANDBOX_PREFIX`, the path where the verifier sees it, so nothing is relocated.
It is built on this host's glibc (a binary built on glibc 2.36 runs on any newer one), and the
shared libraries its modules load (libssl, libffi, sqlite, ...) are copied into ``lib/deps`` and
found through an rpath, so an image without them still gets ``ssl``, ``ctypes``, ``sqlite3``.

The trial mounts an empty per-trial folder at :data:`SANDBOX_PREFIX` and fills it (hard links)
only when the verifier starts, with the folder's ``bin`` appended to the verifier's ``PATH``:
the agent never sees this Python, and the image's own ``python3.13``, when it has one, is found
first (uv takes the first match on ``PATH``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tarfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentindex.errors import InstallError
from agentindex.paths import cache_dir, locked

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PythonSource:
    version: str
    url: str
    sha256: str  # as Debian's .dsc for this upstream version lists it

    @property
    def name(self) -> str:
        return f"cpython-{self.version}"


# The Python versions a benchmark's verifier may ask for ([verifier] python = "3.13").
SOURCES = {
    "3.13": PythonSource(
        "3.13.5",
        "http://deb.debian.org/debian/pool/main/p/python3.13/python3.13_3.13.5.orig.tar.xz",
        "93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640"),
}
SANDBOX_ROOT = "/opt/agentindex/verifier-python"
DONE = ".agentindex-built"  # written last: a folder without it is not a build
BUILD_DEPS = ("build-essential", "pkg-config", "libssl-dev", "libffi-dev", "zlib1g-dev",
              "libsqlite3-dev", "libbz2-dev", "liblzma-dev", "libreadline-dev", "libncurses-dev",
              "uuid-dev", "libgdbm-dev")
# Modules that must import in the built Python (each needs a shared library or a header).
MUST_IMPORT = ("ssl", "hashlib", "ctypes", "sqlite3", "zlib", "bz2", "lzma", "decimal",
               "readline", "uuid", "curses", "pyexpat", "dbm.gnu", "json", "venv")
# The C library's own objects are the image's: never copied (they must match its loader).
GLIBC = ("ld-linux", "libc.so", "libm.so", "libpthread.so", "libdl.so", "librt.so",
         "libutil.so", "libresolv.so", "libcrypt.so", "linux-vdso")
# Left out of the install: tests, GUI toolkits, the IDE (TB2's verifiers need none).
PRUNE = ("test", "idlelib", "tkinter", "turtledemo", "turtle.py", "ensurepip", "lib2to3")
BUILD_TIMEOUT_S = 3600.0


def sandbox_prefix(version: str) -> str:
    """Where the verifier sees the build of ``version`` (its configure prefix)."""
    return f"{SANDBOX_ROOT}/{SOURCES[version].name}"


def built_dir(version: str, root: Path | None = None) -> Path:
    return (root or cache_dir("verifier", "python")) / SOURCES[version].name


def log_path(version: str, root: Path | None = None) -> Path:
    return built_dir(version, root).with_name(f"{SOURCES[version].name}.build.log")


def is_built(version: str, root: Path | None = None) -> bool:
    return (built_dir(version, root) / DONE).is_file()


@dataclass(frozen=True)
class Built:
    version: str
    path: Path  # the install tree on the host (bin/, lib/), filled into the sandbox's prefix
    seconds: float  # spent building now: 0.0 when it was there
    log: Path


def ensure_built(version: str, root: Path | None = None, *, jobs: int | None = None,
                 force: bool = False) -> Built:
    """Build Python ``version`` into the cache unless it is there (idempotent, under a lock so
    concurrent runs build once). Progress goes to ``build.log`` beside it; a failure raises
    :class:`InstallError` naming the step and the log."""
    if version not in SOURCES:
        raise InstallError(f"no verifier Python {version} is known (known: "
                           f"{', '.join(SOURCES)})")
    source = SOURCES[version]
    final = built_dir(version, root)
    final.parent.mkdir(parents=True, exist_ok=True)
    logfile = log_path(version, root)
    if not force and (final / DONE).is_file():
        return Built(version, final, 0.0, logfile)
    with locked(final.parent / f".{source.name}.lock"):
        if not force and (final / DONE).is_file():
            return Built(version, final, 0.0, logfile)
        t0 = time.monotonic()
        work = final.parent / f".{source.name}.work-{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        try:
            with logfile.open("w") as out:
                tree = _build(source, version, work, out, jobs or os.cpu_count() or 1)
            shutil.rmtree(final, ignore_errors=True)
            tree.rename(final)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        seconds = time.monotonic() - t0
        with logfile.open("a") as out:
            out.write(f"agentindex: built {source.name} in {seconds:.0f} s\n")
    return Built(version, final, seconds, logfile)


def _build(source: PythonSource, version: str, work: Path, out: Any, jobs: int) -> Path:
    prefix = sandbox_prefix(version)
    step = _Steps(out, work)
    _ensure_build_deps(step)
    tarball = _download(source, step)
    step.note(f"unpacking {tarball.name}")
    with tarfile.open(tarball) as tar:
        tar.extractall(work, filter="data")
    src = next(p for p in work.iterdir() if p.is_dir() and p.name.startswith("Python-"))
    # DT_RPATH (not RUNPATH): it also serves the copied libraries' own dependencies.
    ldflags = f"-Wl,-rpath,{prefix}/lib/deps -Wl,--disable-new-dtags"
    step.run("configure", ["./configure", f"--prefix={prefix}", "--with-ensurepip=no",
                           "--disable-test-modules", "--without-static-libpython",
                           f"LDFLAGS={ldflags}"], src)
    step.run("make", ["make", f"-j{jobs}"], src)
    stage = work / "stage"
    step.run("make install", ["make", "install", f"DESTDIR={stage}",
                              f"COMPILEALL_OPTS=-j{jobs}"], src)
    tree = stage / prefix.lstrip("/")
    _prune(tree, version)
    _copy_deps(tree, step)
    _check(tree, version, step)
    (tree / DONE).write_text(f"{source.url}\nsha256 {source.sha256}\nprefix {prefix}\n")
    return tree


class _Steps:
    """Runs the build's steps, each logged (command, output, seconds) to the build log."""

    def __init__(self, out: Any, work: Path) -> None:
        self.out, self.work = out, work

    def note(self, text: str) -> None:
        log.info("verifier python: %s", text)
        self.out.write(f"agentindex: {text}\n")
        self.out.flush()

    def run(self, what: str, argv: list[str], cwd: Path,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        self.note(f"{what}: {' '.join(argv)}")
        t0 = time.monotonic()
        try:
            proc = subprocess.run(argv, cwd=cwd, stdout=self.out, stderr=subprocess.STDOUT,
                                  text=True, timeout=BUILD_TIMEOUT_S, env=env,
                                  stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise InstallError(f"building the verifier's Python: {what}: {e} "
                               f"(log: {self.out.name})") from None
        if proc.returncode != 0:
            raise InstallError(f"building the verifier's Python: {what} exited "
                               f"{proc.returncode} (log: {self.out.name})")
        self.note(f"{what}: done in {time.monotonic() - t0:.0f} s")
        return proc


def _ensure_build_deps(step: _Steps) -> None:
    """The -dev packages, through the machine's own apt (as it is configured here)."""
    query = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Status}\n", *BUILD_DEPS],
                           capture_output=True, text=True)
    have = {line.split()[0] for line in query.stdout.splitlines()
            if line.endswith("install ok installed")}
    missing = [p for p in BUILD_DEPS if p not in have]
    if not missing:
        return
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    step.run("apt-get update", [*sudo, "apt-get", "update", "-qq"], step.work, env)
    step.run(f"apt-get install {' '.join(missing)}",
             [*sudo, "apt-get", "install", "-y", "-qq", *missing], step.work, env)


def _download(source: PythonSource, step: _Steps) -> Path:
    """The source tarball, kept in the cache and checked against its pinned sha256."""
    dest = cache_dir("verifier", "python", "src") / source.url.rsplit("/", 1)[1]
    if dest.is_file() and _sha256(dest) == source.sha256:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    step.note(f"downloading {source.url}")
    part = dest.with_name(dest.name + ".part")
    try:
        with urllib.request.urlopen(source.url, timeout=60) as r, part.open("wb") as f:
            shutil.copyfileobj(r, f)
    except OSError as e:
        raise InstallError(f"cannot download {source.url}: {e}") from None
    got = _sha256(part)
    if got != source.sha256:
        part.unlink()
        raise InstallError(f"{source.url}: sha256 {got}, expected {source.sha256}")
    part.rename(dest)
    return dest


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _prune(tree: Path, version: str) -> None:
    lib = tree / "lib" / f"python{version}"
    for name in PRUNE:
        target = lib / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    for module in (lib / "lib-dynload").glob("_tkinter*"):  # else X11 and Tk come along
        module.unlink()
    shutil.rmtree(tree / "share", ignore_errors=True)


def _copy_deps(tree: Path, step: _Steps) -> None:
    """Copy every shared library the interpreter and its modules load (the C library's own
    objects aside) into ``lib/deps``, which their rpath names."""
    deps = tree / "lib" / "deps"
    deps.mkdir(parents=True, exist_ok=True)
    objects = [p for p in tree.rglob("*") if p.is_file() and not p.is_symlink()
               and (p.suffix == ".so" or p.parent.name == "bin")]
    found: dict[str, Path] = {}
    for obj in objects:
        out = subprocess.run(["ldd", str(obj)], capture_output=True, text=True)
        for line in out.stdout.splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[1] == "=>" and parts[2].startswith("/") \
                    and not any(parts[0].startswith(g) for g in GLIBC):
                found[parts[0]] = Path(parts[2])
    for soname, path in sorted(found.items()):
        shutil.copy2(path.resolve(), deps / soname)
    step.note(f"copied {len(found)} shared libraries into lib/deps: {', '.join(sorted(found))}")


def _check(tree: Path, version: str, step: _Steps) -> None:
    """The built Python starts and imports its compiled modules (on the host, from its tree)."""
    python = tree / "bin" / f"python{version}"
    code = "import " + ", ".join(MUST_IMPORT) + "; import sys; print(sys.version)"
    env = {"PATH": "/usr/bin:/bin", "PYTHONHOME": str(tree), "LD_LIBRARY_PATH": str(tree / "lib"
                                                                                  / "deps")}
    step.run("check the modules import", [str(python), "-c", code], tree, env)


