"""``agentindex report``: the leaderboard table or report.json, from a job's store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console

from agentindex.errors import ConfigError
from agentindex.report.build import build_report
from agentindex.report.table import leaderboard
from agentindex.store import STORE_FILE, Store

FORMATS = ("table", "json")


def load_report(job_dir: Path) -> dict[str, Any]:
    if not (job_dir / STORE_FILE).is_file():
        raise ConfigError(job_dir, None, f"not a job directory (no {STORE_FILE})")
    store = Store.in_job(job_dir)
    try:
        return build_report(store, job_dir.name)
    finally:
        store.close()


def write_report(job_dir: Path) -> dict[str, Any]:
    report = load_report(job_dir)
    (job_dir / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def report_command(job_dir: Path, fmt: str, out: Path | None, console: Console) -> int:
    if fmt not in FORMATS:
        raise ConfigError("report", "--format", f"{fmt!r} is not one of {', '.join(FORMATS)}")
    report = load_report(job_dir)
    if fmt == "json":
        text = json.dumps(report, indent=2) + "\n"
        if out:
            out.write_text(text)
        else:
            print(text, end="")
    elif out:
        with out.open("w") as f:
            Console(file=f, width=160).print(leaderboard(report))
    else:
        console.print(leaderboard(report))
    return 0
