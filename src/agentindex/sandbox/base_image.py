"""Build a Debian base image from Debian's own packages, for machines with no image registry.

``debootstrap --variant=minbase`` makes a root filesystem (about a minute); it is kept as a tarball
under the cache directory, so a later build (a wiped image store, another tag) needs no download;
``ENGINE import`` turns it into an image. Dockerfile tasks ``FROM`` that tag then build offline, and
their ``RUN apt-get ...`` steps reach the same mirror the host's apt uses.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agentindex.errors import SandboxError
from agentindex.paths import cache_dir

DEFAULT_TAG = "localhost/debian:bookworm"
DEFAULT_SUITE = "bookworm"
FALLBACK_MIRROR = "http://deb.debian.org/debian"
# The mirror may serve a dated snapshot whose Release file has expired; apt would refuse it.
APT_CONF = 'Acquire::Check-Valid-Until "false";\nAcquire::Check-Date "false";\n'


@dataclass(frozen=True)
class BaseImage:
    tag: str
    tarball: Path
    built: bool  # False when the tag already existed and nothing was done
    downloaded: bool  # True when debootstrap ran (no cached tarball)


def default_cache() -> Path:
    return cache_dir()


def host_mirror(sources: tuple[Path, ...] = (Path("/etc/apt/sources.list"),
                                            Path("/etc/apt/sources.list.d"))) -> str:
    """The Debian mirror the host's apt already uses (one-line or deb822 sources)."""
    files: list[Path] = []
    for s in sources:
        files += sorted(s.glob("*.list")) + sorted(s.glob("*.sources")) if s.is_dir() else [s]
    for f in files:
        text = f.read_text(errors="replace") if f.is_file() else ""
        for m in re.finditer(r"^(?:deb\s+(?:\[[^\]]*\]\s+)?|URIs:\s*)(\S+)", text, re.MULTILINE):
            if m.group(1).rstrip("/").endswith("/debian"):
                return m.group(1).rstrip("/")
    return FALLBACK_MIRROR


def image_exists(engine: str, tag: str) -> bool:
    return subprocess.run([engine, "image", "exists", tag], capture_output=True).returncode == 0


def _run(argv: list[str], what: str) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise SandboxError(f"{what} failed (exit {proc.returncode}): {' '.join(argv[:4])} ...\n"
                           f"{tail}")


def _debootstrap(suite: str, mirror: str, tarball: Path) -> None:
    if not shutil.which("debootstrap"):
        raise SandboxError("debootstrap is not installed: run scripts/setup_podman.sh "
                           "(or apt-get install debootstrap)")
    tarball.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="agentindex-rootfs-",
                                     dir=tarball.parent) as tmp:
        root = Path(tmp) / "rootfs"
        _run(["debootstrap", "--variant=minbase", suite, str(root), mirror], "debootstrap")
        (root / "etc/apt/apt.conf.d/99agentindex").write_text(APT_CONF)
        shutil.rmtree(root / "var/cache/apt/archives", ignore_errors=True)
        (root / "var/cache/apt/archives/partial").mkdir(parents=True, exist_ok=True)
        partial = tarball.with_suffix(".partial")
        _run(["tar", "-C", str(root), "--numeric-owner", "-cf", str(partial), "."], "tar")
        partial.rename(tarball)  # atomic: a cached tarball is always whole


def build_base_image(tag: str = DEFAULT_TAG, *, engine: str = "podman",
                     suite: str = DEFAULT_SUITE, mirror: str | None = None,
                     cache_dir: Path | None = None, force: bool = False) -> BaseImage:
    """Make ``tag`` a minimal Debian ``suite`` image unless it exists (``force`` rebuilds).

    The root filesystem comes from the cached tarball when present, else from debootstrap against
    ``mirror`` (default: the host's apt mirror).
    """
    tarball = (cache_dir or default_cache()) / f"debian-{suite}-minbase.tar"
    if not shutil.which(engine):
        raise SandboxError(f"{engine} is not installed: run scripts/setup_podman.sh")
    if not force and image_exists(engine, tag):
        return BaseImage(tag, tarball, built=False, downloaded=False)
    downloaded = not tarball.is_file()
    if downloaded:
        _debootstrap(suite, mirror or host_mirror(), tarball)
    _run([engine, "import", "--change", "CMD=/bin/bash", str(tarball), tag], f"{engine} import")
    return BaseImage(tag, tarball, built=True, downloaded=downloaded)
