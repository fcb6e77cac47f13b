"""``agentindex datasets import ...``: public benchmark releases turned into task directories."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape

from agentindex.errors import ConfigError


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
