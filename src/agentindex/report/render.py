"""The Report in each output format, and the files a job directory keeps."""

from __future__ import annotations

from pathlib import Path

from agentindex.errors import ConfigError
from agentindex.report.build import load_report
from agentindex.results import Report

FORMATS = ("table", "json", "csv", "html")


def render(report: Report, fmt: str) -> str:
    """``json`` (report.json, the contract), ``csv`` or ``html`` (``table`` is a rich object:
    :func:`agentindex.report.table.leaderboard`)."""
    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    if fmt == "csv":
        from agentindex.report.csv import report_csv

        return report_csv(report)
    if fmt == "html":
        from agentindex.report.html import report_html

        return report_html(report)
    raise ConfigError("report", "--format", f"{fmt!r} is not one of {', '.join(FORMATS)}")


def write_report(job_dir: Path) -> Report:
    """report.json and report.html in the job directory; returns the report."""
    report = load_report(job_dir)
    (job_dir / "report.json").write_text(render(report, "json"))
    (job_dir / "report.html").write_text(render(report, "html"))
    return report
