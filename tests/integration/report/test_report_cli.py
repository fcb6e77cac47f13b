"""``agentindex report`` on the command line: formats, --out, --price-date, several jobs."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.report.jobstore import call, make_job, trial, variant
from tests.unit.report.scenario import scenario_job

pytestmark = pytest.mark.integration
EXE = str(Path(sys.executable).with_name("agentindex"))
OPUS = "anthropic/claude-opus-4-6"  # long-context tier (> 200k input) until 2026-03-13


def agentindex(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], capture_output=True, text=True, check=False,
                          timeout=120)


def test_formats_and_out(tmp_path: Path) -> None:
    job = scenario_job(tmp_path / "job")
    report = json.loads(agentindex("report", str(job), "--format", "json").stdout)
    assert report["price_date"] == "2026-05-01" and report["index_definition"] == "test@1"
    rows = list(csv.DictReader(io.StringIO(agentindex("report", str(job), "--format",
                                                      "csv").stdout)))
    builtin = next(r for r in rows if r["label"] == "Builtin")
    assert builtin["index"] == "75.0" and builtin["b1 score"] == "0.5"
    assert builtin["tokens_total"] == "12222.0" and builtin["usage_source"] == "gateway"
    assert next(r for r in rows if r["label"] == "Nop")["cost_per_task_usd"] == ""  # null
    out = tmp_path / "r.html"
    assert agentindex("report", str(job), "--format", "html", "--out", str(out)).returncode == 0
    html = out.read_text()
    assert "Plotly.newPlot" in html and "test@1" in html and "2026-05-01" in html
    table = agentindex("report", str(job)).stdout
    assert "Builtin" in table and "75.0" in table and "unknown price" in table
    bad = agentindex("report", str(job), "--format", "pdf")
    assert bad.returncode == 2 and "'pdf' is not one of" in bad.stderr
    bad = agentindex("report", str(job), "--price-date", "May 1")
    assert bad.returncode == 2 and "not a date" in bad.stderr


def test_price_date_reprices_the_stored_calls(tmp_path: Path) -> None:
    v = variant("Opus", "builtin", OPUS)
    t = trial(v, "t1")
    job = make_job(tmp_path / "j", variants=[v], tasks={"b": ["t1"]}, trials=[t],
                   calls=[call(t, 1, OPUS, usage=(150_000, 100_000, 0, 0, 1_000, None)),
                          call(t, 2, OPUS, usage=(1_000, 0, 0, 0, 100, None))],
                   weights={"b": 1.0}, price_date="2026-03-01")

    def cost(*extra: str) -> float:
        out = agentindex("report", str(job), "--format", "json", *extra).stdout
        return json.loads(out)["variants"][0]["cost_per_task_usd"]

    assert cost() == 1.645  # the job's own date: the long call at the tier prices
    assert cost("--price-date", "2026-04-01") == 0.8325  # no tiers any more
    assert cost("--price-date", "2026-03-01") == 1.645


def test_several_job_directories(tmp_path: Path) -> None:
    a = scenario_job(tmp_path / "a")
    v = variant("Oracle", "oracle", None)
    b = make_job(tmp_path / "b", variants=[v], tasks={"b1": ["t1", "t2"], "b2": ["t3"]},
                 trials=[trial(v, t) for t in ("t1", "t2", "t3")], weights={"b1": 1, "b2": 1})
    report = json.loads(agentindex("report", str(a), str(b), "--format", "json").stdout)
    assert report["jobs"] == ["a", "b"]
    assert {v["label"]: v["index"] for v in report["variants"]} == {
        "Builtin": 75.0, "Claude": 50.0, "Nop": 0.0, "Oracle": 100.0}
