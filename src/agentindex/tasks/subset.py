"""Subset manifests: a benchmark that runs a named list of a release's instances (e.g. the 150
SWE-Bench Pro instances solved by the fewest published reference runs), with the rule that
chose them, the source it was computed from and the figures each instance was chosen by.

``hardest`` is the rule, as a pure function, so the manifest can be recomputed and compared.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentindex.errors import ConfigError
from agentindex.tasks.loader import validation_error

FORMAT: Literal["agentindex.subset/1"] = "agentindex.subset/1"


class SourceRef(BaseModel):
    """Where a definition's data comes from: a git repository at a full commit, a folder in it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    git: str
    rev: str = Field(pattern=r"^[0-9a-f]{40}$")
    subdir: str = ""


class SubsetEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    solved_by: int = Field(ge=0, description="reference runs that resolved it")
    results: int = Field(ge=0, description="reference runs that have a result for it")
    tie_break: str = Field(description="sha256 of the key and the id, hex")


class SubsetManifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["agentindex.subset/1"]
    name: str
    label: str
    rule: str
    key: str
    source: SourceRef
    runs: list[str] = Field(description="the reference runs' result files, relative to source")
    population: int = Field(description="how many instances the subset was chosen from")
    instances: list[SubsetEntry] = Field(min_length=1)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.instances)


def tie_break(key: str, instance_id: str) -> str:
    """A keyed hash: a fixed, reproducible order that does not follow names (an alphabetical
    order would take whole repositories)."""
    return hashlib.sha256(f"{key}\0{instance_id}".encode()).hexdigest()


def hardest(population: list[str], results: Mapping[str, Mapping[str, bool]], count: int,
            key: str) -> list[SubsetEntry]:
    """The ``count`` instances of ``population`` resolved by the fewest runs of ``results``
    (run -> instance -> resolved; an instance a run has no result for counts as not resolved by
    it), ties broken by ``tie_break(key, id)``; in that order."""
    if count > len(population):
        raise ValueError(f"asked for {count} of {len(population)} instances")
    entries = [SubsetEntry(id=i, solved_by=sum(bool(r.get(i)) for r in results.values()),
                           results=sum(i in r for r in results.values()),
                           tie_break=tie_break(key, i)) for i in set(population)]
    entries.sort(key=lambda e: (e.solved_by, e.tie_break))
    return entries[:count]


def read_manifest(path: Path) -> SubsetManifest:
    try:
        return SubsetManifest.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise ConfigError(path, None, "file not found") from None
    except ValidationError as e:
        raise validation_error(path, e) from None
