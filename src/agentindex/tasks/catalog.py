"""Benchmarks and index definitions are data: TOML files shipped in ``agentindex/data`` (or given
by path). ``resolve_datasets`` turns what ``-d`` names into benchmarks with their tasks."""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agentindex.errors import ConfigError
from agentindex.plugins import declared, load
from agentindex.tasks import datasets
from agentindex.tasks.envsubst import references, substitute
from agentindex.tasks.loader import load_tasks_at, read_toml, validation_error
from agentindex.tasks.model import Task, TaskKind
from agentindex.tasks.source import SourceRef
from agentindex.tasks.subset import read_manifest


class VerifierDef(BaseModel):
    """What a completed verification of this benchmark leaves; a reward without it, or outside
    ``reward_range``, is a verifier error, not a score."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    evidence: list[str] = Field(default_factory=list, description=(
        "files a completed test run writes, e.g. /logs/verifier/ctrf.json"))
    reward_range: tuple[float, float] | None = None
    python: str | None = Field(default=None, pattern=r"^\d+\.\d+$", description=(
        "the Python the tests ask uv for (TB2: `uvx -p 3.13`): where the image has none, the "
        "verifier gets one built once per machine (runner/verifier_python.py)"))

    @model_validator(mode="after")
    def _paths(self) -> VerifierDef:
        for path in self.evidence:
            if not path.startswith("/logs/verifier/") or ".." in path.split("/"):
                raise ValueError(f"evidence {path!r} must be a file under /logs/verifier/")
        if self.reward_range and self.reward_range[0] > self.reward_range[1]:
            raise ValueError("reward_range must be [low, high] with low <= high")
        return self


class BenchmarkDef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    kind: TaskKind = TaskKind.TERMINAL
    description: str = ""
    tasks: str | None = Field(default=None, description=(
        "task directory, directory of tasks or dataset.toml; relative to this file; ${VAR} "
        "allowed. With a [source], it is the local override: used only when its variables are set"))
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    exclude_reason: str = ""
    label: str = Field(default="", description="how reports name it (default: name@version)")
    manifest: str | None = Field(default=None, description=(
        "a subset manifest (JSON, relative to this file): exactly its instances are run"))
    seal_history: bool = Field(default=False, description=(
        "patch tasks: the agent's repository holds only the base commit's history"))
    source: SourceRef | None = Field(default=None, description=(
        "where the tasks come from (`agentindex datasets pull` fetches it)"))
    prepare: str = Field(default="", description=(
        "how the pulled source becomes task directories, when pulling is not enough (an "
        "importer): said in the error when the tasks are missing"))
    score_key: str | None = Field(default=None, description="the reward.json key that is the "
                                  "score (default: 'reward', or the only key)")
    verifier: VerifierDef = Field(default_factory=VerifierDef)

    @model_validator(mode="after")
    def _has_tasks(self) -> BenchmarkDef:
        if self.tasks is None and self.source is None:
            raise ValueError("give tasks (a path) or a [source] to pull them from")
        return self

    @property
    def override_vars(self) -> list[str]:
        """The variables in ``tasks`` that point the benchmark at a local copy instead."""
        return references(self.tasks or "")

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"


class Component(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    benchmark: str
    weight: float = Field(default=1.0, gt=0)


class IndexDef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    description: str = ""
    date: dt.date | None = Field(default=None, description="when this definition took effect")
    attempts: int = Field(default=1, ge=1)
    components: list[Component] = Field(min_length=1)
    valid_only: str | None = Field(default=None, description=(
        "a validity manifest (`agentindex validate`; relative to this file, ${VAR} allowed): the "
        "index runs only the tasks it calls valid, like `run --valid-only`, which overrides it"))

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(frozen=True)
class Benchmark:
    definition: BenchmarkDef
    tasks: tuple[Task, ...]
    source: Path

    @property
    def ref(self) -> str:
        return self.definition.ref


@dataclass(frozen=True)
class Selection:
    """What ``-d`` arguments resolve to: benchmarks, and the index definition if one was named."""

    benchmarks: tuple[Benchmark, ...]
    index: IndexDef | None
    warnings: tuple[str, ...] = ()


def data_dir() -> Path:
    return Path(str(resources.files("agentindex") / "data"))


M = TypeVar("M", bound=BaseModel)


def _load_model(cls: type[M], path: Path) -> M:
    try:
        return cls.model_validate(read_toml(path))
    except ValidationError as e:
        raise validation_error(path, e) from None


def _defs(folder: str) -> dict[str, Path]:
    """Shipped definitions by ``name@version`` (file stem); benchmarks also from the folders of
    the ``agentindex.benchmarks`` entry points (plug-in packages; a name taken stays taken)."""
    folders = benchmark_folders() if folder == "benchmarks" else [data_dir() / folder]
    out: dict[str, Path] = {}
    for where in folders:
        for p in sorted(where.glob("*.toml")):
            out.setdefault(p.stem, p)
    return out


def benchmark_folders() -> list[Path]:
    """The folder of each ``agentindex.benchmarks`` entry point's package, ours first."""
    folders = []
    for ep in declared("agentindex.benchmarks").values():
        module = load(ep)
        paths = getattr(module, "__path__", None)
        folders.append(Path(next(iter(paths))) if paths else Path(module.__file__).parent)
    return folders


def _find(ref: str, folder: str) -> Path | None:
    defs = _defs(folder)
    if ref in defs:
        return defs[ref]
    versions = sorted((k for k in defs if k.split("@")[0] == ref), key=_version_key)
    return defs[versions[-1]] if versions else None


def _version_key(ref: str) -> tuple[int | str, ...]:
    return tuple(int(p) if p.isdigit() else p for p in ref.split("@")[-1].split("."))


def tasks_location(definition: BenchmarkDef, path: Path, environ: Mapping[str, str]) -> Path:
    """The local override (``tasks`` with its variables set), else the pulled copy of the
    source; a source not pulled yet is an error saying how to pull it or override it."""
    source, variables = definition.source, definition.override_vars
    if definition.tasks is not None and (source is None or all(v in environ for v in variables)):
        where = substitute(definition.tasks, environ, file=path, field="tasks")
        tasks_path = (path.parent / where).resolve()
        if not tasks_path.exists():
            raise ConfigError(path, "tasks", f"{tasks_path} does not exist")
        return tasks_path
    assert source is not None
    if definition.prepare:  # the source is raw material, not tasks: only the override runs
        raise ConfigError(path, "tasks", f"{definition.ref}'s tasks are made from its source, "
                                         f"not pulled as they are: {definition.prepare}")
    if not datasets.present(definition.name, source, environ):
        override = f", or set {' and '.join(variables)} to a local copy" if variables else ""
        raise ConfigError(path, "source", f"{definition.ref} is not pulled: run `agentindex "
                                          f"datasets pull {definition.ref}`{override}")
    return datasets.copy_path(definition.name, source, environ)


def load_benchmark(path: Path, environ: Mapping[str, str], *, keep_excluded: bool = False
                   ) -> tuple[Benchmark, list[str]]:
    """The benchmark's tasks (``keep_excluded``: with those its ``exclude`` leaves out)."""
    definition = _load_model(BenchmarkDef, path)
    if keep_excluded:
        definition = definition.model_copy(update={"exclude": []})
    tasks_path = tasks_location(definition, path, environ)
    tasks = load_tasks_at(tasks_path, definition.kind)
    warnings = []
    if definition.manifest:
        tasks = _in_manifest(tasks, path.parent / definition.manifest, path)
    if definition.include:
        tasks = [t for t in tasks if _matches(t, definition.include)]
    for pattern in definition.exclude:
        if not any(_matches(t, [pattern]) for t in tasks):
            warnings.append(f"{path}: exclude {pattern!r} matches no task")
    tasks = [t for t in tasks if not _matches(t, definition.exclude)]
    if not tasks:
        raise ConfigError(path, "include", "selects no task")
    return Benchmark(definition, tuple(tasks), path), warnings


def _in_manifest(tasks: list[Task], manifest_path: Path, path: Path) -> list[Task]:
    """The tasks the manifest lists (by name's last segment or directory); all must be there."""
    ids = read_manifest(manifest_path).ids
    by_id = {n: t for t in tasks for n in (t.name.rsplit("/", 1)[-1], t.path.name)}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise ConfigError(path, "manifest", f"{len(missing)} of the {len(ids)} instances of "
                                            f"{manifest_path.name} have no task, e.g. "
                                            f"{missing[0]}")
    return [by_id[i] for i in ids]


def _matches(task: Task, patterns: list[str]) -> bool:
    names = (task.name, task.name.rsplit("/", 1)[-1], task.path.name)
    return any(fnmatch.fnmatchcase(n, p) for n in names for p in patterns)


def _adhoc(path: Path) -> Benchmark:
    """A path given to ``-d``: its tasks form a benchmark named after the directory."""
    tasks = load_tasks_at(path)
    kind = tasks[0].kind
    name = path.stem if path.is_file() else path.name
    definition = BenchmarkDef(name=name, version="local", kind=kind, tasks=str(path))
    return Benchmark(definition, tuple(tasks), path)


def benchmark_definitions(name: str) -> list[tuple[BenchmarkDef, Path]]:
    """The benchmark definitions a name stands for: one benchmark, or every component of an
    index (shipped names or definition files)."""
    path = Path(name)
    kind = _toml_kind(path)
    index_path = _find(name, "indexes") or (path if kind == "index" else None)
    if index_path is not None:
        index = _load_model(IndexDef, index_path)
        paths = [_find(c.benchmark, "benchmarks") or index_path.parent / c.benchmark
                 for c in index.components]
    else:
        bench_path = _find(name, "benchmarks") or (path if kind == "benchmark" else None)
        if bench_path is None:
            known = ", ".join(sorted(_defs("indexes")) + sorted(_defs("benchmarks")))
            raise ConfigError(name, None, f"not an index or a benchmark (known: {known})")
        paths = [bench_path]
    return [(_load_model(BenchmarkDef, p), p.resolve()) for p in paths]


def _index_benchmarks(index: IndexDef, index_path: Path, environ: Mapping[str, str],
                      keep_excluded: bool = False) -> tuple[list[Benchmark], list[str]]:
    benches, warnings = [], []
    for i, comp in enumerate(index.components):
        bench_path = _find(comp.benchmark, "benchmarks") or index_path.parent / comp.benchmark
        if not bench_path.is_file():
            raise ConfigError(index_path, f"components[{i}].benchmark",
                              f"{comp.benchmark!r} is neither a shipped benchmark nor a file")
        bench, warn = load_benchmark(bench_path.resolve(), environ, keep_excluded=keep_excluded)
        if comp.benchmark not in (bench.ref, bench_path.stem, bench_path.name):
            raise ConfigError(index_path, f"components[{i}].benchmark",
                              f"{comp.benchmark!r} resolves to {bench.ref}")
        benches.append(bench)
        warnings += warn
    return benches, warnings


def _with_manifest_path(index: IndexDef, path: Path, environ: Mapping[str, str]) -> IndexDef:
    """The index with its ``valid_only`` manifest as an absolute path (it is read at run time)."""
    if index.valid_only is None:
        return index
    where = (path.parent / substitute(index.valid_only, environ, file=path,
                                      field="valid_only")).resolve()
    return index.model_copy(update={"valid_only": str(where)})


def _toml_kind(path: Path) -> str | None:
    """'index' or 'benchmark' for a definition file given by path, else None."""
    if path.suffix != ".toml" or not path.is_file() or path.name in ("task.toml", "dataset.toml"):
        return None
    data = read_toml(path)
    if "components" in data:
        return "index"
    return "benchmark" if "tasks" in data or "source" in data else None


def resolve_datasets(names: list[str], environ: Mapping[str, str] | None = None, *,
                     keep_excluded: bool = False) -> Selection:
    """Each name is an index definition (all its benchmarks), a benchmark, or a path (a
    definition file, a task directory, a directory of tasks or a dataset.toml)."""
    environ = os.environ if environ is None else environ
    benchmarks: dict[str, Benchmark] = {}
    warnings: list[str] = []
    indexes: list[IndexDef] = []
    index_refs: list[set[str]] = []
    for name in names:
        path = Path(name)
        kind = _toml_kind(path)
        index_path = _find(name, "indexes") or (path if kind == "index" else None)
        bench_path = _find(name, "benchmarks") or (path if kind == "benchmark" else None)
        found: list[Benchmark] = []
        if index_path:
            index = _with_manifest_path(_load_model(IndexDef, index_path), index_path, environ)
            indexes.append(index)
            found, warn = _index_benchmarks(index, index_path, environ, keep_excluded)
            index_refs.append({b.ref for b in found})  # components named by path resolve here
            warnings += warn
        elif bench_path:
            bench, warn = load_benchmark(bench_path.resolve(), environ,
                                         keep_excluded=keep_excluded)
            found, warnings = [bench], warnings + warn
        elif path.exists():
            found = [_adhoc(path.resolve())]
        else:
            known = ", ".join(sorted(_defs("indexes")) + sorted(_defs("benchmarks")))
            raise ConfigError(name, None, f"not an index, a benchmark or a path (known: {known})")
        benchmarks.update((b.ref, b) for b in found)
    # An index is computed only when the selection is exactly one index definition's benchmarks.
    exact = len(indexes) == 1 and set(benchmarks) == index_refs[0]
    return Selection(tuple(benchmarks.values()), indexes[0] if exact else None, tuple(warnings))
