"""``agentindex report``: the leaderboard as a table, report.json, CSV or a self-contained HTML
page, from one or more jobs' stores (re-priced at ``--price-date`` from the stored calls)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console

from agentindex.errors import ConfigError
from agentindex.report.build import build_report, load_jobs
from agentindex.report.table import leaderboard

FORMATS = ("table", "json", "csv", "html")


def load_report(job_dirs: Path | Sequence[Path], price_date: dt.date | None = None
                ) -> dict[str, Any]:
    dirs = [job_dirs] if isinstance(job_dirs, Path) else list(job_dirs)
    jobs, date, pricer = load_jobs(dirs, price_date)
    return build_report(jobs, date, pricer)


def write_report(job_dir: Path) -> dict[str, Any]:
    """report.json and report.html in the job directory; returns the report."""
    report = load_report(job_dir)
    (job_dir / "report.json").write_text(render(report, "json"))
    (job_dir / "report.html").write_text(render(report, "html"))
    return report


def render(report: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report, indent=2) + "\n"
    if fmt == "csv":
        from agentindex.report.csv import report_csv

        return report_csv(report)
    if fmt == "html":
        from agentindex.report.html import report_html

        return report_html(report)
    raise ConfigError("report", "--format", f"{fmt!r} is not one of {', '.join(FORMATS)}")


def parse_price_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError("report", "--price-date", f"{text!r} is not a date (YYYY-MM-DD)") \
            from None


def report_command(job_dirs: Sequence[Path], fmt: str, out: Path | None, console: Console,
                   price_date: str | None = None) -> int:
    if fmt not in FORMATS:
        raise ConfigError("report", "--format", f"{fmt!r} is not one of {', '.join(FORMATS)}")
    report = load_report(job_dirs, parse_price_date(price_date))
    if fmt == "table":
        if out:
            with out.open("w") as f:
                Console(file=f, width=200).print(leaderboard(report))
        else:
            console.print(leaderboard(report))
        return 0
    text = render(report, fmt)
    if out:
        out.write_text(text)
    else:
        print(text, end="")
    return 0
