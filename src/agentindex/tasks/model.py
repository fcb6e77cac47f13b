"""task.toml, both schemas in the wild, read into one tolerant pydantic model.

Schema "1.0" (Terminal-Bench 2.0 as shipped) has ``version = "1.0"`` and ``memory = "2G"``;
schema "1.1"+ (SWE-Atlas-QnA, newer Harbor) has ``schema_version``, a ``[task]`` table,
``memory_mb`` and env tables. Unknown keys are kept (``extra="allow"``), never rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

DEFAULT_TIMEOUT_SEC = 600.0


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


class PhaseSection(_Tolerant):
    timeout_sec: float = Field(default=DEFAULT_TIMEOUT_SEC, gt=0)
    env: dict[str, str] = Field(default_factory=dict)


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


class TaskConfig(_Tolerant):
    version: str | None = None
    schema_version: str | None = None
    task: TaskSection = Field(default_factory=TaskSection)
    metadata: dict[str, Any] = Field(default_factory=dict)
    verifier: PhaseSection = Field(default_factory=PhaseSection)
    agent: PhaseSection = Field(default_factory=PhaseSection)
    environment: EnvironmentSection = Field(default_factory=EnvironmentSection)
    solution: PhaseSection = Field(default_factory=PhaseSection)

    @property
    def schema_id(self) -> str:
        return self.schema_version or self.version or "1.0"


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
    def solution_dir(self) -> Path:
        return self.path / "solution"

    @property
    def toml_path(self) -> Path:
        return self.path / "task.toml"
