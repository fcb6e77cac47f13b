"""The leaderboard as a rich table, built from report.json (so the two always agree)."""

from __future__ import annotations

from typing import Any

from rich.table import Table


def _fmt(x: float | None, spec: str) -> str:
    return "—" if x is None else format(x, spec)


def leaderboard(report: dict[str, Any]) -> Table:
    title = f"agentindex · {report['job']}"
    if report["index_definition"]:
        title += f" · index {report['index_definition']}"
    table = Table(title=title)
    table.add_column("variant")
    if report["index_definition"]:
        table.add_column("index", justify="right")
    for ref in report["benchmarks"]:
        table.add_column(ref, justify="right")
    for name in ("trials", "errored", "$/task", "time/task (s)"):
        table.add_column(name, justify="right")
    rows = sorted(report["variants"], key=lambda v: -(v["index"] or -1))
    for v in rows:
        cells = [v["label"]]
        if report["index_definition"]:
            cells.append(_fmt(v["index"], ".1f"))
        cells += [_fmt(v["benchmarks"][ref]["score"], ".3f") for ref in report["benchmarks"]]
        cells += [str(v["trials"]), str(v["errored"]), _fmt(v["cost_per_task_usd"], ".4f"),
                  _fmt(v["time_per_task_s"], ".2f")]
        table.add_row(*cells)
    return table
