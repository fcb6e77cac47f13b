"""Fixtures for sandbox tests: podman availability, the base image (built once per session), and a
guard that no container or network namespace of ours survives the session."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from agentindex.sandbox.base_image import DEFAULT_TAG, build_base_image
from agentindex.sandbox.container import list_ours
from agentindex.sandbox.netns import NETNS_DIR

BASE = DEFAULT_TAG


def podman_problem() -> str | None:
    """Why the container tests cannot run here, or None."""
    if not shutil.which("podman"):
        return "podman is not installed (run scripts/setup_podman.sh)"
    info = subprocess.run(["podman", "info"], capture_output=True, text=True)
    if info.returncode != 0:
        return f"podman does not work here: {info.stderr.strip()[-200:]}"
    return None


_PROBLEM = podman_problem()
needs_podman = pytest.mark.skipif(_PROBLEM is not None, reason=_PROBLEM or "")


@pytest.fixture(scope="session")
def base_image() -> str:
    """localhost/debian:bookworm, built from the cached debootstrap tarball when missing."""
    if _PROBLEM is not None:
        pytest.skip(_PROBLEM)
    build_base_image(BASE)
    return BASE


def _ours() -> list[str]:
    return asyncio.run(list_ours("podman")) if _PROBLEM is None else []


def _our_netns() -> list[str]:
    return sorted(p.name for p in NETNS_DIR.glob("agentindex-*")) if NETNS_DIR.is_dir() else []


def _left(names: set[str]) -> set[str]:
    """Those of ``names`` this session left: made by this process, or by a runner that is gone
    (a CLI the tests started). A live runner's (a job running beside the tests) are its own."""
    from agentindex.sandbox.cleanup import owner_id, owner_of, stale

    return {n for n in names if owner_of(n) == owner_id() or stale(n)}


@pytest.fixture(scope="session", autouse=True)
def nothing_left_behind() -> Iterator[None]:
    """After the sandbox tests: no container and no network namespace of ours."""
    before, ns_before = set(_ours()), set(_our_netns())
    yield
    assert _left(set(_ours()) - before) == set(), "containers of ours were left behind"
    assert _left(set(_our_netns()) - ns_before) == set(), "network namespaces were left behind"
