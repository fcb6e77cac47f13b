"""Table, CSV and HTML are built from the Report and agree with report.json."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console

from agentindex.report import load_report, render
from agentindex.report.charts import all_charts
from agentindex.report.table import leaderboard
from agentindex.results import Report
from tests.unit.report.scenario import scenario_job


@pytest.fixture
def report(tmp_path: Path) -> Report:
    return load_report(scenario_job(tmp_path / "job"))


def test_json_round_trips(report: Report) -> None:
    text = render(report, "json")
    assert json.loads(text) == report.model_dump(mode="json")
    assert Report.model_validate_json(text) == report


def test_csv_has_one_row_per_variant_and_empty_cells_for_null(report: Report) -> None:
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    assert [r["label"] for r in rows] == ["Builtin", "Claude", "Nop"]
    b = rows[0]
    assert (b["index"], b["index_ci95_low"], b["index_ci95_high"]) == ("75.0", "50.0", "100.0")
    assert b["b1 score"] == "0.5" and b["b2 ci95_low"] == "1.0"
    assert b["tokens_reasoning"] == "" and b["cost_per_task_usd"] == "0.01841"  # 7 x 0.00789 / 3
    assert rows[1]["cost_per_task_usd"] == ""  # unknown price: null, not 0


def test_table_shows_the_figures(report: Report) -> None:
    console = Console(width=250, record=True)
    console.print(leaderboard(report))
    text = console.export_text()
    builtin = next(line for line in text.splitlines() if "Builtin" in line)
    assert "75.0 [50.0, 100.0]" in builtin and "0.0184" in builtin and "12,222" in builtin
    assert "65.9%" in builtin and "33.3%" in builtin
    assert "unknown price" in next(line for line in text.splitlines() if "Claude" in line)
    assert "prices of 2026-05-01" in text


def test_html_is_self_contained_and_names_its_definitions(report: Report) -> None:
    html = render(report, "html")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", html)
    assert "Plotly.newPlot" in html and len(html) > 1_000_000  # plotly.js inlined
    for text in ("test@1", "2026-05-01", "genai-prices", "seed 0", "b1 × 1"):
        assert text in html, text
    assert html.count("<tr>") >= 3 + 3  # leaderboard and details rows


def test_charts_with_nothing_to_draw_say_so(report: Report) -> None:
    charts = {c.id: c for c in all_charts(report)}
    cost = charts["chart-cost"].figure
    assert cost is not None and cost["data"][0]["text"] == ["Builtin"]  # the only priced one
    empty = report.model_copy(update={"variants": [
        v.model_copy(update={"cost_per_task_usd": None, "tokens_per_task": None,
                             "cache_hit_rate": None})
        for v in report.variants]})
    charts = {c.id: c for c in all_charts(empty)}
    assert charts["chart-cost"].figure is None and charts["chart-mix"].figure is None
    assert charts["chart-cache"].figure is None and charts["chart-bench"].figure is not None
