"""The Sandbox contract: one sandbox per trial, an ``async with`` object with five operations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

from agentindex.tasks.model import Task


class Network(StrEnum):
    NONE = "none"  # no network at all
    HOST = "host"  # whatever the host reaches (needed to reach a gateway on loopback)
    GATEWAY = "gateway"  # only the gateway, through the trial's own network namespace (netns.py)


@dataclass(frozen=True)
class Limits:
    """Resource limits for one sandbox; ``None`` means no limit asked for."""

    cpus: float | None = None
    memory_mb: int | None = None
    pids: int | None = None


@dataclass(frozen=True)
class Capabilities:
    """Static facts about a backend, checked before a trial starts rather than discovered in it."""

    name: str
    isolates_network: bool
    limits_memory: bool
    limits_cpus: bool
    limits_pids: bool
    runs_any_dockerfile: bool
    networks: frozenset[Network] = frozenset({Network.NONE, Network.HOST})  # policies it enforces
    limits_note: str = ""  # why some limits cannot be enforced here, for the user


@dataclass(frozen=True)
class SandboxSpec:
    task: Task
    job: str
    trial_id: str
    scratch: Path  # a fresh host directory the backend owns for this trial; removed after
    network: Network
    env: Mapping[str, str]  # the task's [environment.env], already resolved
    limits: Limits = Limits()
    netns: Path | None = None  # the network namespace to run in; set iff network is GATEWAY
    ro_mounts: Mapping[str, Path] = field(default_factory=dict)  # sandbox path -> host dir
    # A task's separate verifier environment (schema 1.3): built from tests/Dockerfile (its build
    # context tests/), not environment/; the agent never runs in it.
    verifier: bool = False


@dataclass(frozen=True)
class ExecResult:
    exit_code: int | None  # None when the process was killed at its timeout
    timed_out: bool
    duration_s: float


class Sandbox(Protocol):
    """Commands run inside; files cross only through ``put`` and ``get``.

    ``exec`` runs with stdin closed, writes stdout and stderr to host files, and on timeout kills
    the whole process tree. Children never outlive the call.
    """

    workdir: str

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, et: type[BaseException] | None, e: BaseException | None,
                        tb: TracebackType | None) -> None: ...

    async def exec(self, argv: Sequence[str], *, env: Mapping[str, str], timeout: float,
                   stdout: Path, stderr: Path, cwd: str | None = None) -> ExecResult: ...

    async def put(self, src: Path, dest: str) -> None:
        """Copy a host directory into the sandbox at ``dest`` (e.g. tests/ to /tests)."""
        ...

    async def get(self, src: str, dest: Path) -> None:
        """Copy a sandbox directory out to the host; a missing ``src`` copies nothing."""
        ...


class Backend(Protocol):
    capabilities: Capabilities

    def check(self, task: Task, network: Network) -> None:
        """Raise ``UnsupportedBySandbox`` when this backend cannot run the task faithfully."""
        ...

    def sandbox(self, spec: SandboxSpec) -> Sandbox: ...
