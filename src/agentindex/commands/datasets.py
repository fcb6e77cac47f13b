"""``agentindex datasets``: pull a benchmark's pinned task source into the cache, list the
copies, and import public releases into task directories (``datasets import ...``)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agentindex.errors import AgentIndexError, ConfigError
from agentindex.tasks import datasets
from agentindex.tasks.catalog import benchmark_definitions
from agentindex.tasks.gitsource import SourceError


def pull_command(names: list[str], source: str | None, allow_missing: bool,
                 console: Console) -> None:
    """Pull every benchmark named (an index names its components); ``source`` replaces the
    source's URL (a local mirror), for a single benchmark only."""
    defs = [(d, p) for name in names for d, p in benchmark_definitions(name)]
    with_source = [(d, p) for d, p in defs if d.source is not None]
    if source is not None and len(with_source) != 1:
        raise AgentIndexError(f"--source replaces one benchmark's source; {len(with_source)} "
                              "named have one")
    for definition, path in defs:
        if definition.source is None:
            console.print(f"{definition.ref}: its tasks come from {definition.tasks} "
                          "(no [source] to pull)", highlight=False, markup=False)
            continue
        try:
            got = datasets.pull(definition.name, definition.source, mirror=source,
                                allow_missing=allow_missing)
        except SourceError as e:
            override = " or ".join(definition.override_vars)
            hint = f"; set {override} to a local copy of the tasks" if override else ""
            raise AgentIndexError(
                f"{definition.ref}: cannot pull {definition.source.url} ({path}): {e}{hint}, "
                "or give a mirror with --source or in the site config's [sources]") from None
        state = "pulled" if got.fetched else "already present"
        lacking = f", {len(got.missing)} missing from the source" if got.missing else ""
        console.print(f"{definition.ref}: {state} at {got.path} ({got.files} files{lacking})",
                      highlight=False)


def list_command(console: Console) -> None:
    copies = datasets.pulled()
    if not copies:
        console.print(f"no dataset pulled yet (cache: {datasets.datasets_dir()})", highlight=False)
        return
    table = Table("name", "pin", "files", "missing", "read from", "path")
    for c in copies:
        table.add_row(c.name, c.pin[:12], str(c.files), str(len(c.missing)), escape(c.source),
                      escape(str(c.path)))
    console.print(table)


def import_swe_bench_pro_command(src: Path, out: Path, instances: Path | None,
                                 ids_file: Path | None, grading_only: bool, user: str,
                                 console: Console) -> int:
    """Import, print one line per instance that failed and a summary; exit 1 if any failed."""
    from agentindex.tasks.importers.swe_bench_pro_task import import_swe_bench_pro

    ids = _read_ids(ids_file) if ids_file else None
    result = import_swe_bench_pro(src, out, instances=instances, ids=ids,
                                  grading_only=grading_only, user=user)
    for iid, reason in result.failed:
        console.print(f"[red]FAIL[/red] {iid}: {escape(reason)}", highlight=False,
                      soft_wrap=True)
    what = "grading parts" if result.grading_only else "tasks"
    console.print(f"{len(result.written)} {what} written to {out}; {len(result.failed)} "
                  f"instance(s) failed", highlight=False)
    return 1 if result.failed else 0


def _read_ids(path: Path) -> list[str]:
    """Instance ids: one per line, or a JSON manifest with ``instances: [{id: ...}]``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(path, None, f"cannot read: {e.strerror}") from None
    if path.suffix == ".json":
        from agentindex.tasks.subset import read_manifest

        return list(read_manifest(path).ids)
    return [line.strip() for line in text.splitlines() if line.strip()]
