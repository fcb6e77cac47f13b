"""'Gateway only': a stand-in aiohttp gateway in the host namespace serves a socket opened inside
the trial's network namespace; a sandbox on each backend reaches it and nothing else. A backend
that cannot enforce a policy refuses the trial."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from agentindex.errors import UnsupportedBySandbox
from agentindex.sandbox import Limits, Network, SandboxSpec, get_backend
from agentindex.sandbox.bwrap import BwrapBackend
from agentindex.sandbox.container import ContainerBackend
from agentindex.sandbox.netns import NetNamespace
from agentindex.sandbox.netserve import serve_in
from agentindex.tasks.loader import load_task
from tests.integration.sandbox.conftest import needs_podman
from tests.integration.sandbox.hostile import write_target

pytestmark = pytest.mark.integration

PROBE = """
import socket, sys, urllib.request
port = int(sys.argv[1])
print(urllib.request.urlopen(f"http://127.0.0.1:{port}/t/token/ping", timeout=5).read().decode())
for host in ("1.1.1.1", sys.argv[2]):
    try:
        socket.create_connection((host, port), timeout=2).close()
        print(host, "CONNECTED")
    except OSError as e:
        print(host, "failed", e.errno)
"""


@pytest.fixture
async def gateway() -> AsyncIterator[web.AppRunner]:
    async def ping(request: web.Request) -> web.Response:
        return web.Response(text=f"gateway saw {request.path}")

    app = web.Application()
    app.router.add_get("/t/{token}/ping", ping)
    runner = web.AppRunner(app)
    await runner.setup()
    yield runner
    await runner.cleanup()


def host_address() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("1.1.1.1", 80))
            return str(s.getsockname()[0])
        except OSError:
            return "127.0.0.2"


@pytest.mark.parametrize("backend", ["bwrap", pytest.param("container", marks=needs_podman)])
async def test_sandbox_reaches_only_the_gateway(backend: str, gateway: web.AppRunner,
                                                tmp_path: Path,
                                                request: pytest.FixtureRequest) -> None:
    if backend == "container":
        request.getfixturevalue("base_image")
    task = load_task(write_target(tmp_path / "tasks", 30))
    (tmp_path / "probe.py").write_text(PROBE)
    async with NetNamespace() as ns, serve_in(ns.path, gateway) as port:
        # On the host nothing listens on that port: the socket lives in the namespace.
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        spec = SandboxSpec(task=task, job="j", trial_id="gw", scratch=tmp_path / "scratch",
                           network=Network.GATEWAY, env={}, limits=Limits(pids=256),
                           netns=ns.path, ro_mounts={"/probe": tmp_path})
        impl = get_backend(backend)
        impl.check(task, Network.GATEWAY)
        async with impl.sandbox(spec) as sandbox:
            out = tmp_path / "out.txt"
            result = await sandbox.exec(["python3", "/probe/probe.py", str(port), host_address()],
                                        env={}, timeout=60, stdout=out,
                                        stderr=tmp_path / "err.txt")
    assert result.exit_code == 0, (tmp_path / "err.txt").read_text()
    lines = out.read_text().splitlines()
    assert lines[0] == "gateway saw /t/token/ping"
    assert all(" failed " in line for line in lines[1:]) and len(lines) == 3, lines
    assert not ns.path.exists()


def test_docker_refuses_gateway_only(tmp_path: Path) -> None:
    task = load_task(write_target(tmp_path / "tasks", 30))
    backend = ContainerBackend(engine="docker")
    if backend.engine is None:
        pytest.skip("no docker client on PATH")
    assert Network.GATEWAY not in backend.capabilities.networks
    with pytest.raises(UnsupportedBySandbox, match="cannot enforce network policy 'gateway'"):
        backend.check(task, Network.GATEWAY)


def test_bwrap_refuses_a_policy_it_cannot_enforce(tmp_path: Path) -> None:
    task = load_task(write_target(tmp_path / "tasks", 30))
    backend = BwrapBackend()
    backend.check(task, Network.GATEWAY)  # root, ip and nsenter: enforced here
    # As on a host without network namespaces (not root, no nsenter):
    backend.capabilities = dataclasses.replace(
        backend.capabilities, networks=frozenset({Network.NONE, Network.HOST}))
    with pytest.raises(UnsupportedBySandbox, match="cannot enforce network policy 'gateway'"):
        backend.check(task, Network.GATEWAY)
