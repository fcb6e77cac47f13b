"""Stand-ins for public base images, built from Debian's packages, for machines without a registry.

A stand-in is not the official image, and says so: it is tagged
``localhost/agentindex-standin/<ref>`` and labelled ``agentindex.stand-in-for=<ref>``; images built
``FROM`` it inherit that label, so every trial that ran on one is marked (``result.json``) and
counted (``report.json``). Recipes:

- ``python:X.Y[-variant]``: the Debian release that ships Python X.Y (3.13: trixie, 3.11:
  bookworm) with ``python3``, its headers (``python3-dev``), ``pip``, ``venv`` and ``python``
  (``python-is-python3``); pip may
  install system-wide as in the official image. A version Debian does not ship gets the nearest
  release's Python, and the label ``agentindex.stand-in-note`` says so.
- ``ubuntu:*`` and ``debian:*``: the nearest Debian release (Ubuntu 24.04 and Debian 13: trixie;
  Ubuntu 22.04 and Debian 12: bookworm), minimal, like the official images.
- ``ghcr.io/astral-sh/uv:X``, which Dockerfiles ``COPY --from`` for ``/uv`` and ``/uvx``: an
  image with only those two files, taken from the PyPI wheel of uv X (the same release's
  binaries; installed with the host's pip, so through its index and proxy settings).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agentindex.errors import SandboxError
from agentindex.sandbox.base_image import build_base_image, image_exists

REPO = "localhost/agentindex-standin"
LABEL = "agentindex.stand-in-for"
# python3-dev: the official images carry Python.h (a test that builds a C extension needs it)
PYTHON_PACKAGES = ("python3", "python3-dev", "python3-pip", "python3-venv", "python-is-python3",
                   "ca-certificates")
PYTHON_OF = {"trixie": "3.13", "bookworm": "3.11"}  # what Debian ships, by release
SUITE_OF_UBUNTU = {"24.04": "trixie", "24.10": "trixie", "25.04": "trixie", "22.04": "bookworm"}
SUITE_OF_DEBIAN = {"13": "trixie", "trixie": "trixie", "12": "bookworm", "bookworm": "bookworm",
                   "11": "bookworm", "bullseye": "bookworm"}  # 11: the nearest one built here


UV_IMAGE = "ghcr.io/astral-sh/uv"


@dataclass(frozen=True)
class Recipe:
    ref: str  # the reference it stands in for, normalised (no docker.io/library/)
    suite: str  # the Debian release it is built from ('' for a wheel's files on scratch)
    packages: tuple[str, ...]
    note: str = ""
    wheel: str = ""  # ``uv==0.8.14``: the image holds this PyPI wheel's ``bin/`` files
    files: tuple[str, ...] = ()  # which of them, at the image's root

    @property
    def tag(self) -> str:
        return f"{REPO}/{self.ref}"


def normalise(ref: str) -> str:
    """``docker.io/library/python:3.13`` and ``python:3.13`` are one reference."""
    for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/library/"):
        if ref.startswith(prefix):
            return ref[len(prefix):]
    return ref


def recipe_for(ref: str) -> Recipe | None:
    """The stand-in recipe for a base reference, or None if there is none."""
    ref = normalise(ref)
    name, _, tag = ref.partition(":")
    tag = tag or "latest"
    if name == "python":
        return _python(ref, tag)
    if name == UV_IMAGE and re.fullmatch(r"\d+\.\d+\.\d+", tag):
        return Recipe(ref, "", (), f"uv {tag}'s binaries from its PyPI wheel", f"uv=={tag}",
                      ("uv", "uvx"))
    if name == "ubuntu":
        suite = SUITE_OF_UBUNTU.get(tag, "trixie")
        return Recipe(ref, suite, (), f"Ubuntu {tag} stood in for by Debian {suite}")
    if name == "debian":
        key = re.split(r"[.-]", tag)[0]
        debian = SUITE_OF_DEBIAN.get(key)
        if debian is None:
            return None
        note = "" if key in (debian, "13", "12") else f"Debian {tag} stood in for by {debian}"
        return Recipe(ref, debian, (), note)
    return None


def _python(ref: str, tag: str) -> Recipe | None:
    m = re.match(r"^(\d+)\.(\d+)", tag)
    if not m:
        return None
    version = f"{m.group(1)}.{m.group(2)}"
    exact = [s for s, v in PYTHON_OF.items() if v == version]
    if exact:
        return Recipe(ref, exact[0], PYTHON_PACKAGES)
    # Debian ships no such Python: the nearest one, said on the label.
    suite = "bookworm" if (int(m.group(1)), int(m.group(2))) < (3, 12) else "trixie"
    return Recipe(ref, suite, PYTHON_PACKAGES,
                  f"Debian ships no Python {version}: Python {PYTHON_OF[suite]} instead")


def dockerfile(recipe: Recipe, base: str) -> str:
    if recipe.wheel:
        return (f"FROM scratch\nCOPY {' '.join(recipe.files)} /\n"
                f'LABEL {LABEL}="{recipe.ref}" agentindex.stand-in-note="{recipe.note}"\n')
    lines = [f"FROM {base}"]
    if recipe.packages:
        lines.append("RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "
                     f"--no-install-recommends {' '.join(recipe.packages)} "
                     "&& rm -rf /var/lib/apt/lists/* "
                     # the official python images let pip install system-wide
                     "&& rm -f /usr/lib/python3*/EXTERNALLY-MANAGED")
    labels = {LABEL: recipe.ref, "agentindex.stand-in-base": f"debian:{recipe.suite}"}
    if recipe.note:
        labels["agentindex.stand-in-note"] = recipe.note
    lines.append("LABEL " + " ".join(f'{k}="{v}"' for k, v in labels.items()))
    lines.append('CMD ["/bin/bash"]')
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class StandIn:
    recipe: Recipe
    built: bool


def build_stand_in(ref: str, *, engine: str = "podman", force: bool = False) -> StandIn:
    """Build the stand-in for ``ref`` unless it exists (``force`` rebuilds)."""
    recipe = recipe_for(ref)
    if recipe is None:
        raise SandboxError(f"no stand-in recipe for {ref!r} (python:X.Y, ubuntu:*, debian:*, "
                           f"{UV_IMAGE}:X.Y.Z)")
    if not force and image_exists(engine, recipe.tag):
        return StandIn(recipe, built=False)
    with tempfile.TemporaryDirectory(prefix="agentindex-standin-") as tmp:
        if recipe.wheel:
            _wheel_files(recipe, Path(tmp))
            base = "scratch"
        else:
            base = build_base_image(f"localhost/debian:{recipe.suite}", engine=engine,
                                    suite=recipe.suite).tag
        (Path(tmp) / "Dockerfile").write_text(dockerfile(recipe, base))
        proc = subprocess.run([engine, "build", "-t", recipe.tag, tmp], capture_output=True,
                              text=True, timeout=1800)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise SandboxError(f"building the stand-in for {ref} failed:\n{tail}")
    return StandIn(recipe, built=True)


def _wheel_files(recipe: Recipe, context: Path) -> None:
    """``recipe.files`` from the ``bin/`` of its wheel, installed with the host's pip, into
    the build context."""
    from agentindex.agents.install import HOST_PYTHON

    target = context / "wheel"
    proc = subprocess.run([HOST_PYTHON, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                           "--no-input", "--no-deps", "--target", str(target), recipe.wheel],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-10:])
        raise SandboxError(f"the stand-in for {recipe.ref}: pip could not install "
                           f"{recipe.wheel}:\n{tail}")
    for name in recipe.files:
        shutil.copy2(target / "bin" / name, context / name)
    shutil.rmtree(target)
