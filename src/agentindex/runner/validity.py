"""Environment validity, measured: the oracle must score 1 and nop 0 on every task, here.

``agentindex validate`` runs both agents over a benchmark as an ordinary (resumable) job, then
classifies each task from its two trials into a validity manifest (``validity.json``):

- ``environment_error``: a trial could not be run or graded here (the backend cannot run the task,
  or its image, sandbox, install or verifier failed): the reason is that error;
- ``oracle_fails``: the reference solution does not score 1;
- ``nop_passes``: doing nothing scores above 0;
- ``valid``: neither;
- ``not_run``: the validation has not reached it yet (a partial manifest).

``run --valid-only MANIFEST`` leaves out every task the manifest does not call valid, and the
report lists them with their reasons.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentindex.errors import ConfigError
from agentindex.tasks.catalog import Selection
from agentindex.tasks.loader import validation_error

FORMAT = "agentindex.validity/1"
ENVIRONMENT_ERRORS = ("sandbox", "install", "internal", "verifier", "upstream", "config")


class Validity(StrEnum):
    VALID = "valid"
    ORACLE_FAILS = "oracle_fails"
    NOP_PASSES = "nop_passes"
    ENVIRONMENT_ERROR = "environment_error"
    NOT_RUN = "not_run"  # a validation still under way (or stopped) has not run it yet


class Phases(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reward: float | None
    error_class: str | None
    wall_s: float | None = Field(default=None, description="the trial's start to its end")
    env_s: float | None = Field(description="sandbox start, including the image build")
    agent_s: float | None
    verify_s: float | None


class TaskValidity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    validity: Validity
    reason: str
    digest: str
    image: str | None = None
    image_id: str | None = None
    stand_in_for: str | None = None
    oracle: Phases | None = None
    nop: Phases | None = None


class Manifest(BaseModel):
    """One benchmark's validity in one environment (backend, machine, date)."""

    model_config = ConfigDict(extra="forbid")

    format: str = FORMAT
    benchmark: str
    backend: str
    date: str
    wall_s: float | None = None
    tasks: dict[str, TaskValidity]

    def counts(self) -> dict[str, int]:
        return dict(Counter(t.validity.value for t in self.tasks.values()))

    def invalid(self) -> dict[str, str]:
        """Task name -> "class: reason" for every task that is not valid."""
        return {name: f"{t.validity.value}: {t.reason}" for name, t in self.tasks.items()
                if t.validity is not Validity.VALID}


def _first_line(text: str | None) -> str:
    """The first line, and the last one when there are more (a build log's cause is last)."""
    lines = [x.strip() for x in (text or "").strip().splitlines() if x.strip()]
    if not lines:
        return ""
    return lines[0][:300] + (f" ... {lines[-1][:300]}" if len(lines) > 1 else "")


def classify(oracle: Mapping[str, Any] | None, nop: Mapping[str, Any] | None) -> tuple[Validity,
                                                                                        str]:
    """A task's class and reason from its oracle and nop trial rows (None: not run yet)."""
    for agent, row in (("oracle", oracle), ("nop", nop)):
        if row is None:
            return Validity.NOT_RUN, f"{agent} has not run yet"
        if row["error_class"] in ENVIRONMENT_ERRORS:
            return (Validity.ENVIRONMENT_ERROR,
                    f"{agent}: {row['error_class']}: {_first_line(row['error_message'])}")
    assert oracle is not None and nop is not None
    if oracle["reward"] != 1.0:
        why = f" ({oracle['error_class']}: {_first_line(oracle['error_message'])})" \
            if oracle["error_class"] else ""
        cause = f"; {oracle['cause']}" if oracle.get("cause") else ""
        return Validity.ORACLE_FAILS, f"oracle scored {oracle['reward']}{why}{cause}"
    if nop["reward"] not in (0.0, None):
        return Validity.NOP_PASSES, f"nop scored {nop['reward']}"
    return Validity.VALID, "oracle 1, nop 0"


def failure_cause(trial_dir: Path) -> str | None:
    """Why a trial that ran scored below 1, from its artifacts: the agent's last line of output
    when it crashed, else the first failing test and its first ``E`` line (pytest's ctrf.json)."""
    result = _read_json(trial_dir / "result.json") or {}
    if result.get("error_class") == "agent_crash":
        for name in ("stderr.txt", "stdout.txt"):
            lines = _lines(trial_dir / "agent" / name)
            if lines:
                return f"agent: {lines[-1][:200]}"
    ctrf = _read_json(trial_dir / "verifier" / "ctrf.json") or {}
    for test in ctrf.get("results", {}).get("tests", []):
        if test.get("status") == "failed":
            errors = [x for x in str(test.get("trace", "")).splitlines()
                      if x.lstrip().startswith("E ")]
            detail = f": {errors[0].strip()[1:].strip()[:200]}" if errors else ""
            return f"{str(test.get('name', '')).rsplit('::', 1)[-1]} failed{detail}"
    return None


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(errors="replace"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _lines(path: Path) -> list[str]:
    try:
        return [x.strip() for x in path.read_text(errors="replace").splitlines() if x.strip()]
    except OSError:
        return []


def _phases(row: Mapping[str, Any] | None) -> Phases | None:
    if row is None:
        return None
    wall = row["finished_at"] - row["started_at"] \
        if row.get("finished_at") is not None and row.get("started_at") is not None else None
    return Phases(reward=row["reward"], error_class=row["error_class"], wall_s=wall,
                  env_s=row["env_s"], agent_s=row["agent_s"], verify_s=row["verify_s"])


def build_manifest(benchmark: str, backend: str, tasks: Iterable[tuple[str, str]],
                   rows: Iterable[Mapping[str, Any]], wall_s: float | None) -> Manifest:
    """``tasks``: (name, digest); ``rows``: trial rows with an ``agent`` key."""
    by: dict[tuple[str, str], Mapping[str, Any]] = {
        (r["task_digest"], r["agent"]): r for r in rows}
    out: dict[str, TaskValidity] = {}
    for name, digest in tasks:
        oracle, nop = by.get((digest, "oracle")), by.get((digest, "nop"))
        validity, reason = classify(oracle, nop)
        env = next((r.get("environment") for r in (oracle, nop) if r and r.get("environment")),
                   None) or {}
        out[name] = TaskValidity(validity=validity, reason=reason, digest=digest,
                                 image=env.get("image"), image_id=env.get("image_id"),
                                 stand_in_for=env.get("stand_in_for"), oracle=_phases(oracle),
                                 nop=_phases(nop))
    return Manifest(benchmark=benchmark, backend=backend, wall_s=wall_s, tasks=out,
                    date=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))


def write_manifest(path: Path, manifests: list[Manifest]) -> None:
    data = {"format": FORMAT, "benchmarks": [m.model_dump(mode="json") for m in manifests]}
    path.write_text(json.dumps(data, indent=2) + "\n")


def read_manifest(path: Path) -> list[Manifest]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(path, None, "file not found") from None
    except json.JSONDecodeError as e:
        raise ConfigError(path, None, f"not JSON: {e}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConfigError(path, "format", f"expected {FORMAT!r}")
    try:
        return [Manifest.model_validate(m) for m in data.get("benchmarks", [])]
    except ValidationError as e:
        raise validation_error(path, e) from None


def valid_only(selection: Selection, manifests: list[Manifest], path: Path
               ) -> tuple[Selection, dict[str, dict[str, str]]]:
    """The selection without the tasks the manifest does not call valid (a task it does not
    name, or names with other content, is left out too); and what was left out, with reasons."""
    by_ref = {m.benchmark: m for m in manifests}
    kept, excluded = [], {}
    for bench in selection.benchmarks:
        manifest = by_ref.get(bench.ref)
        if manifest is None:
            raise ConfigError(path, "benchmarks", f"has no validity for {bench.ref}")
        tasks, out = [], {}
        for task in bench.tasks:
            entry = manifest.tasks.get(task.name)
            if entry is None:
                out[task.name] = "not in the validity manifest"
            elif entry.digest != task.digest:
                out[task.name] = "changed since it was validated"
            elif entry.validity is not Validity.VALID:
                out[task.name] = f"{entry.validity.value}: {entry.reason}"
            else:
                tasks.append(task)
        if not tasks:
            raise ConfigError(path, "benchmarks", f"calls no task of {bench.ref} valid")
        kept.append(replace(bench, tasks=tuple(tasks)))
        if out:
            excluded[bench.ref] = out
    return replace(selection, benchmarks=tuple(kept)), excluded
