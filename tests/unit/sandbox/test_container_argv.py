"""The container run command, the engine's network capabilities, and image digests."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from agentindex.errors import SandboxError
from agentindex.sandbox import Limits, Network, SandboxSpec
from agentindex.sandbox.cleanup import owner_id
from agentindex.sandbox.container import INIT_MOUNT, _capabilities, run_argv
from agentindex.sandbox.images import context_digest
from agentindex.tasks.loader import load_task
from tests.conftest import write_task


def spec(tmp_path: Path, network: Network, **kw: object) -> SandboxSpec:
    task = load_task(write_task(tmp_path / "tasks", "t"))
    return SandboxSpec(task=task, job="J", trial_id="T1", scratch=tmp_path / "s", network=network,
                       env={"A": "1"}, **kw)


def pairs(argv: list[str]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(argv))


def test_limits_labels_and_mounts(tmp_path: Path) -> None:
    s = spec(tmp_path, Network.NONE, limits=Limits(cpus=1.5, memory_mb=512, pids=100),
             ro_mounts={"/opt/agents": Path("/cache")})
    argv = run_argv("podman", s, "img", "agentindex-x", Path("/h/logs"), "/usr/bin/catatonit")
    p = pairs(argv)
    assert {("--cpus", "1.5"), ("--memory", "512m"), ("--memory-swap", "512m"),
            ("--pids-limit", "100"), ("--network", "none"), ("--name", "agentindex-x"),
            ("-v", "/h/logs:/logs"), ("-v", "/cache:/opt/agents:ro"), ("--env", "A=1"),
            ("--label", "agentindex.job=J"), ("--label", "agentindex.trial=T1"),
            ("--label", f"agentindex.owner={owner_id()}")} <= p
    assert ("--entrypoint", INIT_MOUNT) in p and argv[-2:] == ["img", "-P"]


def test_no_limits_asked_none_set(tmp_path: Path) -> None:
    argv = run_argv("podman", spec(tmp_path, Network.HOST), "img", "n", Path("/l"), None)
    assert not {"--cpus", "--memory", "--pids-limit"} & set(argv)
    assert ("--network", "host") in pairs(argv)
    assert argv[-3:] == ["sleep", "img", "infinity"]


def test_gateway_joins_the_trial_namespace(tmp_path: Path) -> None:
    s = spec(tmp_path, Network.GATEWAY, netns=Path("/run/netns/agentindex-1.2-ab"))
    argv = run_argv("podman", s, "img", "n", Path("/l"), None)
    assert ("--network", "ns:/run/netns/agentindex-1.2-ab") in pairs(argv)
    with pytest.raises(SandboxError, match="without a network namespace"):
        run_argv("podman", spec(tmp_path / "2", Network.GATEWAY), "img", "n", Path("/l"), None)


def test_only_podman_enforces_gateway_only() -> None:
    assert Network.GATEWAY in _capabilities("/usr/bin/podman").networks
    assert _capabilities("/usr/bin/docker").networks == {Network.NONE, Network.HOST}


def test_context_digest_covers_paths_modes_and_bytes(tmp_path: Path) -> None:
    ctx = tmp_path / "ctx"
    (ctx / "d").mkdir(parents=True)
    (ctx / "d" / "f").write_text("x")
    first = context_digest(ctx)
    assert context_digest(ctx) == first
    (ctx / "d" / "f").chmod(0o755)
    second = context_digest(ctx)
    assert second != first
    (ctx / "d" / "f").rename(ctx / "d" / "g")
    assert context_digest(ctx) not in (first, second)
