"""The verifier's tools, provided once per machine instead of downloaded by every trial.

Terminal-Bench 2's ``test.sh`` runs ``curl -LsSf https://astral.sh/uv/0.9.5/install.sh | sh``,
then ``source $HOME/.local/bin/env`` and ``uvx -p 3.13 -w pytest==... pytest ...``. We install
``uv``/``uvx`` from the PyPI ``uv`` package once (into the agents cache, which every sandbox sees
read-only), and just before ``test.sh`` runs we link them and an ``env`` file into
``$HOME/.local/bin``, where the script looks, so it works whether or not its own download does.
``test.sh`` itself is unchanged. uv's package cache is one host folder shared by every trial
(``UV_CACHE_DIR``), so a package is downloaded once per machine; Python is never downloaded
(``UV_PYTHON_DOWNLOADS=never``): the image's own ``python3.13`` is used, or uv says it is missing.

Trade-off, stated: the shared package cache is writable from inside sandboxes (uv writes its
environments there), so an agent could tamper with what later verifiers install. Run untrusted
agents with ``verifier_tools = false`` in the job config, or a fresh cache per job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from agentindex.agents.install import HOST_PYTHON, PipPackage, ensure_installed, sandbox_dir
from agentindex.errors import InstallError
from agentindex.paths import cache_dir
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

    def setup_script(self) -> str:
        """Shell lines run before test.sh: link the tools where TB2's test.sh looks."""
        return (f'mkdir -p "$HOME/.local/bin" && ln -sf {self.bin_dir}/uv {self.bin_dir}/uvx '
                f'{self.bin_dir}/env "$HOME/.local/bin/" || echo "agentindex: cannot link the '
                'verifier tools into $HOME/.local/bin" >&2\n')


async def provide(agent_cache: Path, network: NetworkSettings,
                  uv_cache: Path | None = None) -> VerifierTools:
    """Install uv once (a no-op when present) and describe how trials use it."""
    await ensure_installed(agent_cache, NAME, UV_VERSION, UvTools())
    cache = uv_cache or cache_dir("verifier", "uv-cache")
    cache.mkdir(parents=True, exist_ok=True)
    env = {"UV_CACHE_DIR": UV_CACHE, "UV_PYTHON_DOWNLOADS": "never", "UV_LINK_MODE": "copy",
           **network.build_env()}
    ro: dict[str, Path] = {}
    if network.ca_bundle:
        # uv trusts its bundled roots unless told to use the system's: a site whose traffic goes
        # through its own CA needs that CA visible and native TLS on.
        ro[CA_BUNDLE] = Path(network.ca_bundle)
        env |= {"SSL_CERT_FILE": CA_BUNDLE, "UV_NATIVE_TLS": "1",
                "REQUESTS_CA_BUNDLE": CA_BUNDLE, "PIP_CERT": CA_BUNDLE}
    return VerifierTools(f"{sandbox_dir(NAME, UV_VERSION)}/bin", env, ro, {UV_CACHE: cache})


async def provide_or_none(agent_cache: Path) -> VerifierTools | None:
    """The verifier's tools for this machine, installed once; without them (no package index)
    trials still run, and a benchmark's evidence rule shows verifiers that could not run."""
    try:
        return await provide(agent_cache, load_site().network)
    except InstallError as e:
        log.warning("agentindex: verifier tools not provided: %s", e)
        return None
