"""``agentindex report``: the leaderboard as a table, report.json, CSV or a self-contained HTML
page, from one or more jobs' stores (re-priced at ``--price-date`` from the stored calls)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from agentindex.errors import ConfigError
from agentindex.report import FORMATS, load_report, render
from agentindex.report.table import leaderboard


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
