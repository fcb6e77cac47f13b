"""``agentindex datasets``: pull a benchmark's pinned task source into the cache, list copies.

Another subcommand (an importer) is one more function here and one registration line in cli.py.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from agentindex.errors import AgentIndexError
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
