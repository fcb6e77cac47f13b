"""Reports: build the :class:`~agentindex.results.Report` from job stores (``build``), render it
as report.json, a table, CSV or HTML (``render``)."""

from agentindex.report.build import load_report
from agentindex.report.render import FORMATS, render, write_report

__all__ = ["FORMATS", "load_report", "render", "write_report"]
