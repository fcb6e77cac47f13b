"""A real two-node Ray cluster on this machine, started with ``ray start`` and stopped by the
process ids it started (never ``ray stop``, which would stop every Ray cluster of the machine)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

RAY = Path(sys.executable).with_name("ray")
# Quicker detection of a dead node (default ~30 s). Token auth off whatever ~/.ray holds: a
# cluster that ray.init() started for a job leaves ~/.ray/auth_token behind, which turns it on.
BASE_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled",
            "RAY_health_check_period_ms": "2000", "RAY_health_check_timeout_ms": "5000",
            "RAY_health_check_failure_threshold": "5"}
# A loopback address Ray does not rewrite: it replaces 127.0.0.1 (and "localhost") by the
# machine's outward address, which would put a test cluster on the network.
NODE_IP = "127.0.0.2"
PROVIDER_KEYS = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "ZAI_API_KEY",
                 "MOONSHOT_API_KEY", "DEEPSEEK_API_KEY")
OBJECT_STORE_BYTES = 80 * 1000 * 1000
START_TIMEOUT_S = 240


def free_port(taken: set[int] | None = None) -> int:
    """A port free now and not in ``taken`` (which it joins): the kernel hands a just-closed
    port out again, and two components of one ``ray start`` given the same port make it fail."""
    taken = set() if taken is None else taken
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in taken:
            taken.add(port)
            return port


def node_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROVIDER_KEYS and k != "RAY_ADDRESS"}
    return {**env, **BASE_ENV, **(extra or {})}


@dataclass
class Node:
    manager_port: int
    resources: dict[str, float]


@dataclass
class Cluster:
    temp_dir: Path
    port: int = 0
    nodes: list[Node] = field(default_factory=list)
    ports: set[int] = field(default_factory=set)

    @property
    def address(self) -> str:
        return f"{NODE_IP}:{self.port}"

    def start(self, *, head: bool, cpus: int, resources: dict[str, float],
              env: Mapping[str, str] | None = None, memory_gb: int = 4) -> Node:
        node = Node(self._port(), resources)
        args = [str(RAY), "start", "--node-ip-address", NODE_IP, "--num-cpus", str(cpus),
                "--memory", str(memory_gb * 1024**3), "--object-store-memory",
                str(OBJECT_STORE_BYTES), "--resources", _json(resources),
                "--node-manager-port", str(node.manager_port),
                "--object-manager-port", str(self._port()),
                "--runtime-env-agent-port", str(self._port()),
                "--dashboard-agent-listen-port", str(self._port()),
                "--dashboard-agent-grpc-port", str(self._port()),
                "--metrics-export-port", str(self._port()), "--disable-usage-stats"]
        if head:
            self.port = self._port()
            args += ["--head", "--port", str(self.port), "--include-dashboard=false",
                     "--dashboard-port", str(self._port()), "--temp-dir", str(self.temp_dir)]
        else:
            args += ["--address", self.address]
        done = subprocess.run(args, env=node_env(env), capture_output=True, text=True,
                              timeout=START_TIMEOUT_S, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"ray start failed:\n{done.stdout}\n{done.stderr}")
        self.nodes.append(node)
        return node

    def _port(self) -> int:
        return free_port(self.ports)

    def raylet_pid(self, node: Node) -> int | None:
        for pid, args in _processes():
            if "raylet/raylet" in args and f"--node_manager_port={node.manager_port}" in args:
                return pid
        return None

    def kill_node(self, node: Node) -> None:
        """SIGKILL the node's raylet: the node is gone, with the workers it ran."""
        pid = self.raylet_pid(node)
        assert pid is not None, "the node's raylet is not running"
        os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        """SIGKILL every process of this cluster: those naming its temp dir, and their
        descendants (workers rename themselves ``ray::...``)."""
        ours = {pid for pid, args in _processes() if str(self.temp_dir) in args}
        ours |= _descendants(ours)
        for pid in ours:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if not os.environ.get("AGENTINDEX_KEEP_RAY_LOGS"):
            shutil.rmtree(self.temp_dir, ignore_errors=True)


def worker_pids(cluster: Cluster) -> set[int]:
    """Processes started by the cluster's raylets (its worker processes)."""
    raylets = {cluster.raylet_pid(n) for n in cluster.nodes} - {None}
    return _descendants({p for p in raylets if p is not None})


def _json(resources: dict[str, float]) -> str:
    import json

    return json.dumps(resources)


def _processes() -> list[tuple[int, str]]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError):
                args = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                out.append((int(d.name), args))
    return out


def _descendants(roots: set[int]) -> set[int]:
    parent: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (d / "stat").read_text()
                parent[int(d.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
    found, frontier = set(), set(roots)
    while frontier:
        children = {p for p, pp in parent.items() if pp in frontier and p not in found}
        found |= children
        frontier = children
    return found


@contextlib.contextmanager
def two_nodes(worker_env: Mapping[str, str] | None = None, cpus: int = 2) -> Iterator[Cluster]:
    """A head and a second node, each advertising sandbox_bwrap, stopped however the block ends.
    ``worker_env`` is added to both nodes' environment (and so their workers')."""
    cluster = _start_two(worker_env, cpus)
    try:
        yield cluster
    finally:
        cluster.stop()


def _start_two(worker_env: Mapping[str, str] | None, cpus: int, attempts: int = 3) -> Cluster:
    """``ray start`` gives a node a fixed 30 s to register with the head, which a machine busy
    with other work sometimes exceeds ("The current node timed out during startup"); such a
    start is stopped and made again from scratch, a bounded number of times."""
    for attempt in range(1, attempts + 1):
        cluster = Cluster(Path(tempfile.mkdtemp(prefix="air-", dir="/tmp")))
        try:
            cluster.start(head=True, cpus=cpus, resources={"sandbox_bwrap": 1}, env=worker_env)
            cluster.start(head=False, cpus=cpus, resources={"sandbox_bwrap": 1},
                          env=worker_env)
            _wait_for_nodes(cluster, 2)
            return cluster
        except RuntimeError as e:
            cluster.stop()
            if attempt == attempts or "timed out during startup" not in str(e):
                raise
    raise AssertionError("unreachable")


def _wait_for_nodes(cluster: Cluster, n: int, timeout_s: float = 60) -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if all(cluster.raylet_pid(node) for node in cluster.nodes[:n]):
            return
        time.sleep(0.2)
    raise RuntimeError("the cluster's nodes did not come up")
