"""task.toml, the schemas in the wild, read into one tolerant pydantic model.

Schema "1.0" (Terminal-Bench 2.0 as shipped) has ``version = "1.0"`` and ``memory = "2G"``;
schema "1.1"+ (SWE-Atlas-QnA, newer Harbor) has ``schema_version``, a ``[task]`` table,
``memory_mb`` and env tables. Schema "1.3" (DeepSWE) adds top-level ``artifacts``, a
``network_mode`` per phase, and a verifier that may run in an environment of its own:
``[verifier] environment_mode = "separate"`` (built from ``tests/Dockerfile``), with
``[verifier.environment]`` limits and ``[[verifier.collect]]`` hooks that extract the agent's work.
Unknown keys are kept (``extra="allow"``), never rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

DEFAULT_TIMEOUT_SEC = 600.0
DEFAULT_COLLECT_TIMEOUT_SEC = 300.0
# ``network_mode`` values: those that mean "no internet", and those that mean "the internet".
NO_NETWORK_MODES = frozenset({"no-network", "none", "no-internet", "offline", "isolated"})
NETWORK_MODES = frozenset({"public", "internet", "bridge", "host", "default"})


class TaskKind(StrEnum):
    TERMINAL = "terminal"
    PATCH = "patch"
    QNA = "qna"


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class TaskSection(_Tolerant):
    name: str | None = None
    description: str | None = None
    authors: list[Any] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)


def _network_mode(v: str | None) -> str | None:
    if v is not None and v.lower() not in NO_NETWORK_MODES | NETWORK_MODES:
        known = ", ".join(sorted(NO_NETWORK_MODES | NETWORK_MODES))
        raise ValueError(f"unknown network_mode {v!r} (known: {known})")
    return v


def internet_of(network_mode: str | None) -> bool | None:
    """False for a no-network mode, True for an internet mode, None when unset."""
    return None if network_mode is None else network_mode.lower() not in NO_NETWORK_MODES


class PhaseSection(_Tolerant):
    timeout_sec: float = Field(default=DEFAULT_TIMEOUT_SEC, gt=0)
    env: dict[str, str] = Field(default_factory=dict)
    network_mode: str | None = Field(default=None, description="schema 1.3: this phase's network "
                                     "(``no-network`` or ``public``); unset: [environment]'s")

    _mode = field_validator("network_mode")(_network_mode)


class CollectHook(_Tolerant):
    """``[[verifier.collect]]``: a command run in the agent's environment after the agent stopped,
    to extract its work (e.g. ``git diff ... > /logs/artifacts/model.patch``)."""

    command: str = Field(min_length=1)
    timeout_sec: float = Field(default=DEFAULT_COLLECT_TIMEOUT_SEC, gt=0)


class EnvironmentSection(_Tolerant):
    build_timeout_sec: float = Field(default=DEFAULT_TIMEOUT_SEC, gt=0)
    docker_image: str | None = None
    cpus: float | None = Field(default=None, gt=0)
    memory: str | None = None
    memory_mb: int | None = Field(default=None, gt=0)
    storage: str | None = None
    storage_mb: int | None = Field(default=None, gt=0)
    gpus: int = 0
    allow_internet: bool | None = None
    network_mode: str | None = None
    mcp_servers: list[Any] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)

    _mode = field_validator("network_mode")(_network_mode)

    @field_validator("memory", "storage")
    @classmethod
    def _size(cls, v: str | None) -> str | None:
        if v is not None:
            size_mb(v)
        return v

    @property
    def memory_limit_mb(self) -> int | None:
        return self.memory_mb if self.memory_mb is not None else (
            size_mb(self.memory) if self.memory else None)


class VerifierSection(PhaseSection):
    environment_mode: Literal["shared", "separate"] = Field(
        default="shared", description="shared: grade in the agent's environment; separate: in a "
        "pristine one built from tests/Dockerfile that gets only the collected artifacts")
    environment: EnvironmentSection | None = Field(
        default=None, description="the separate environment's limits (default: [environment]'s)")
    collect: list[CollectHook] = Field(default_factory=list)

    @property
    def separate(self) -> bool:
        return self.environment_mode == "separate"


class TaskConfig(_Tolerant):
    version: str | None = None
    schema_version: str | None = None
    artifacts: list[str] = Field(default_factory=list, description="schema 1.3: absolute paths "
                                 "kept from the agent's environment (after the collect hooks)")
    task: TaskSection = Field(default_factory=TaskSection)
    metadata: dict[str, Any] = Field(default_factory=dict)
    verifier: VerifierSection = Field(default_factory=VerifierSection)
    agent: PhaseSection = Field(default_factory=PhaseSection)
    environment: EnvironmentSection = Field(default_factory=EnvironmentSection)
    solution: PhaseSection = Field(default_factory=PhaseSection)

    @field_validator("artifacts", mode="before")
    @classmethod
    def _artifacts(cls, v: Any) -> Any:
        """Entries are paths, or tables with a ``source`` path (Harbor's long form)."""
        if not isinstance(v, list):
            return v
        return [e.get("source") if isinstance(e, dict) else e for e in v]

    @field_validator("artifacts")
    @classmethod
    def _absolute(cls, v: list[str]) -> list[str]:
        for path in v:
            if not path.startswith("/") or ".." in path.split("/"):
                raise ValueError(f"an artifact is an absolute path without '..': {path!r}")
        return v

    @property
    def schema_id(self) -> str:
        return self.schema_version or self.version or "1.0"

    def internet(self, phase: Literal["agent", "verifier"]) -> bool | None:
        """Whether ``phase`` may reach the internet: its own ``network_mode``, else the task's
        ``allow_internet`` / ``[environment] network_mode``; None when the task says nothing."""
        own = internet_of((self.agent if phase == "agent" else self.verifier).network_mode)
        if own is not None:
            return own
        env = self.environment
        return env.allow_internet if env.allow_internet is not None else \
            internet_of(env.network_mode)


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_UNIT_MB = {"": 1 / (1024 * 1024), "k": 1 / 1024, "m": 1, "g": 1024, "t": 1024 * 1024}


def size_mb(text: str) -> int:
    """'2G' -> 2048, '512M' -> 512, '1.5g' -> 1536 (binary units, as Docker reads them)."""
    m = _SIZE.match(text)
    if not m:
        raise ValueError(f"not a size like '2G' or '512M': {text!r}")
    return int(float(m.group(1)) * _UNIT_MB[m.group(2).lower()])


@dataclass(frozen=True)
class Task:
    """One loaded task directory. ``digest`` covers every file, so a changed task is a new task."""

    name: str
    path: Path
    kind: TaskKind
    instruction: str
    config: TaskConfig
    digest: str

    @property
    def environment_dir(self) -> Path:
        return self.path / "environment"

    @property
    def tests_dir(self) -> Path:
        return self.path / "tests"

    @property
    def verifier_dockerfile(self) -> Path:
        """Where a separate verifier environment is defined (``tests/`` is its build context)."""
        return self.tests_dir / "Dockerfile"

    @property
    def solution_dir(self) -> Path:
        return self.path / "solution"

    @property
    def toml_path(self) -> Path:
        return self.path / "task.toml"
