"""The verifier's tools, provided once per machine instead of downloaded by every trial.

Terminal-Bench 2's ``test.sh`` runs ``curl -LsSf https://astral.sh/uv/0.9.5/install.sh | sh``,
then ``source $HOME/.local/bin/env`` and ``uvx -p 3.13 -w pytest==... pytest ...``. We install
``uv``/``uvx`` from the PyPI ``uv`` package once (into the agents cache, which every sandbox sees
read-only), and just before ``test.sh`` runs we link them and an ``env`` file into
``$HOME/.local/bin``, where the script looks, so it works whether or not its own download does.
``test.sh`` itself is unchanged. uv's package cache is one host folder shared by every trial
(``UV_CACHE_DIR``), so a package is downloaded once per machine; Python is never downloaded
(``UV_PYTHON_DOWNLOADS=never``): the image's own ``python3.13`` is used, else the one built once
per machine for a benchmark that names it (``[verifier] python``, see ``verifier_python.py``).

Trade-off, stated: the shared package cache is writable from inside sandboxes (uv writes its
environments there), so an agent could tamper with what later verifiers install. Run untrusted
agents with ``verifier_tools = false`` in the job config, or a fresh cache per job.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from agentindex.agents.install import HOST_PYTHON, PipPackage, ensure_installed, sandbox_dir
from agentindex.errors import InstallError
from agentindex.paths import cache_dir
from agentindex.runner import verifier_python
from agentindex.site import NetworkSettings, load_site

log = logging.getLogger(__name__)

UV_VERSION = "0.9.5"  # the version TB2's test.sh installs
NAME = "verifier-uv"
UV_CACHE = "/opt/agentindex/uv-cache"
CA_BUNDLE = "/opt/agentindex/ca-bundle.crt"

# What uv's own installer writes to ~/.local/bin/env: put that folder first on PATH, once.
ENV_FILE = """#!/bin/sh
# agentindex: uv and uvx from the PyPI package, provided once per machine
case ":${PATH}:" in
    *:"$HOME/.local/bin":*) ;;
    *) export PATH="$HOME/.local/bin:$PATH" ;;
esac
"""


@dataclass(frozen=True)
class UvTools(PipPackage):
    """``uv`` and ``uvx`` binaries from the PyPI wheel (no venv needed: they are static)."""

    package: str = "uv"
    module: str = "uv"

    def commands(self, prefix: Path, version: str) -> list[list[str]]:
        wheel = str(prefix / "wheel")
        copy = ('mkdir -p "$1/bin" && cp "$1/wheel/bin/uv" "$1/wheel/bin/uvx" "$1/bin/" '
                '&& printf "%s" "$2" > "$1/bin/env" && rm -rf "$1/wheel"')
        return [[HOST_PYTHON, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                 "--no-input", "--no-deps", "--target", wheel, f"{self.package}=={version}"],
                ["sh", "-c", copy, "copy", str(prefix), ENV_FILE]]

    def executable(self, root: str) -> list[str]:
        return [f"{root}/bin/uv"]


@dataclass(frozen=True)
class VerifierTools:
    """What a trial adds to its sandbox and its verifier's environment."""

    bin_dir: str  # where the sandbox sees uv, uvx and env
    env: dict[str, str] = field(default_factory=dict)
    ro_mounts: dict[str, Path] = field(default_factory=dict)
    rw_mounts: dict[str, Path] = field(default_factory=dict)
    pythons: dict[str, Path] = field(default_factory=dict)  # version -> the build on the host

    def setup_script(self, python: str | None = None) -> str:
        """Shell lines run before test.sh: link the tools where TB2's test.sh looks; with
        ``python`` (provided), its ``bin`` goes last on ``PATH``: the image's own is found first."""
        script = (f'mkdir -p "$HOME/.local/bin" && ln -sf {self.bin_dir}/uv {self.bin_dir}/uvx '
                  f'{self.bin_dir}/env "$HOME/.local/bin/" || echo "agentindex: cannot link the '
                  'verifier tools into $HOME/.local/bin" >&2\n')
        if python in self.pythons:
            script += f'export PATH="$PATH:{verifier_python.sandbox_prefix(python)}/bin"\n'
        return script


def python_mount(tools: VerifierTools | None, python: str | None, scratch: Path
                 ) -> dict[str, Path]:
    """For a trial whose verifier may need ``python``: an empty host folder, created here, to
    mount read-only at the build's prefix; :func:`fill_python` fills it when the verifier starts
    (the agent sees an empty folder)."""
    if tools is None or python not in tools.pythons:
        return {}
    scratch.mkdir(parents=True, exist_ok=True)
    return {verifier_python.sandbox_prefix(python): scratch}


async def fill_python(tools: VerifierTools, python: str, folder: Path) -> None:
    """Put the build into the mounted ``folder``: hard links (a fraction of a second), or a copy
    where the cache is on another file system."""
    source = tools.pythons[python]

    def fill() -> None:
        try:
            shutil.copytree(source, folder, symlinks=True, dirs_exist_ok=True,
                            copy_function=os.link)
        except OSError:
            shutil.copytree(source, folder, symlinks=True, dirs_exist_ok=True)

    await asyncio.to_thread(fill)


async def provide(agent_cache: Path, network: NetworkSettings, uv_cache: Path | None = None,
                  pythons: frozenset[str] = frozenset()) -> VerifierTools:
    """Install uv once (a no-op when present), build the ``pythons`` the benchmarks name once
    (see :func:`provide_pythons`), and describe how trials use them."""
    uv = await ensure_installed(agent_cache, NAME, UV_VERSION, UvTools())
    cache = uv_cache or cache_dir("verifier", "uv-cache")
    cache.mkdir(parents=True, exist_ok=True)
    env = {"UV_CACHE_DIR": UV_CACHE, "UV_PYTHON_DOWNLOADS": "never", "UV_LINK_MODE": "copy",
           **network.build_env()}
    ro: dict[str, Path] = {uv.sandbox_path: uv.path}
    if network.ca_bundle:
        # uv trusts its bundled roots unless told to use the system's: a site whose traffic goes
        # through its own CA needs that CA visible and native TLS on.
        ro[CA_BUNDLE] = Path(network.ca_bundle)
        env |= {"SSL_CERT_FILE": CA_BUNDLE, "UV_NATIVE_TLS": "1",
                "REQUESTS_CA_BUNDLE": CA_BUNDLE, "PIP_CERT": CA_BUNDLE}
    return VerifierTools(f"{sandbox_dir(NAME, UV_VERSION)}/bin", env, ro, {UV_CACHE: cache},
                         await provide_pythons(pythons))


async def provide_pythons(versions: frozenset[str], root: Path | None = None) -> dict[str, Path]:
    """Each Python built once per machine (the first need builds it: minutes, logged). One that
    cannot be built is left out with a warning naming its build log; its trials then fail their
    verification with uv's own "no interpreter found", which the evidence rule reports."""
    built: dict[str, Path] = {}
    for version in sorted(versions):
        if not verifier_python.is_built(version, root):
            log.warning("agentindex: building the verifier's Python %s once for this machine "
                        "(minutes; progress in %s)", version,
                        verifier_python.log_path(version, root))
        try:
            got = await asyncio.to_thread(verifier_python.ensure_built, version, root)
        except InstallError as e:
            log.warning("agentindex: the verifier's Python %s not provided: %s", version, e)
            continue
        if got.seconds:
            log.warning("agentindex: built the verifier's Python %s in %.0f s (log: %s)",
                        version, got.seconds, got.log)
        built[version] = got.path
    return built


async def provide_or_none(agent_cache: Path, pythons: frozenset[str] = frozenset()
                          ) -> VerifierTools | None:
    """The verifier's tools for this machine, installed once; without them (no package index)
    trials still run, and a benchmark's evidence rule shows verifiers that could not run."""
    try:
        return await provide(agent_cache, load_site().network, pythons=pythons)
    except InstallError as e:
        log.warning("agentindex: verifier tools not provided: %s", e)
        return None
