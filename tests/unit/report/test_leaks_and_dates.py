"""The report and the view name the index definition's date and the suspected answer leaks."""

from __future__ import annotations

import json
from pathlib import Path

from agentindex.report import load_report, render
from agentindex.report.html import report_html
from agentindex.report.table import leaderboard
from agentindex.store import Store
from agentindex.view.data import trial_entries
from agentindex.view.pages import index_page, trial_page
from tests.unit.report.jobstore import make_job, trial, variant

LEAK = {"command": "git show 9f1c2ab:calc.py > calc.py",
        "why": "git show 9f1c2ab: a commit that is not in the base's history"}


def leak_job(root: Path) -> Path:
    b = variant("Builtin", "builtin", "scripted/oracle")
    o = variant("Oracle", "oracle", None)
    trials = [trial(b, "t1", suspected_leaks=[LEAK]), trial(b, "t2", suspected_leaks=[]),
              trial(b, "t3", suspected_leaks=[]), trial(b, "t4", suspected_leaks=[]),
              trial(o, "t1"), trial(o, "t2")]
    return make_job(root / "job", variants=[b, o], tasks={"b1": ["t1", "t2", "t3", "t4"]},
                    trials=trials, weights={"b1": 1.0}, index="coding-agent-index@2",
                    index_date="2026-06-01")


def test_report_names_the_definition_date_and_the_leak_rate(tmp_path: Path) -> None:
    report = load_report(leak_job(tmp_path))
    assert (report.index_definition, report.index_date) == ("coding-agent-index@2",
                                                             "2026-06-01")
    by_label = {v.label: v for v in report.variants}
    assert by_label["Builtin"].suspected_leak_rate == 0.25
    assert by_label["Builtin"].suspected_leak_trials == ["Builtin-t1-1"]
    assert by_label["Oracle"].suspected_leak_rate is None  # no command log: not measured
    assert by_label["Oracle"].suspected_leak_trials == []
    doc = json.loads(render(report, "json"))
    assert doc["index_date"] == "2026-06-01"
    assert [(v["suspected_leak_rate"], v["suspected_leak_trials"]) for v in doc["variants"]] == \
        [(0.25, ["Builtin-t1-1"]), (None, [])]
    assert "index coding-agent-index@2 of 2026-06-01" in str(leaderboard(report).title)
    page = report_html(report, include_js=False)
    assert "<b>Index</b> coding-agent-index@2 (of 2026-06-01): weighted mean" in page
    assert "<td>25.0%: Builtin-t1-1</td>" in page and "<td>— (no command log)</td>" in page


def test_view_lists_and_shows_suspected_leaks(tmp_path: Path) -> None:
    store = Store.in_job(leak_job(tmp_path))
    try:
        entries = trial_entries(store)
    finally:
        store.close()
    html = index_page("job", entries, {"leak": "suspected"}, ["Builtin", "Oracle"], ["b1"])
    assert '<p id="count">1 of 6 trials</p>' in html and "Builtin-t1-1" in html
    assert '<td class="leak-suspected">suspected</td>' in html
    every = index_page("job", entries, {}, ["Builtin", "Oracle"], ["b1"])
    assert every.count('<td class="leak-none">none</td>') == 3
    assert every.count('<td class="leak-not-checked">not checked</td>') == 2
    (flagged,) = [e for e in entries if e.trial.trial_id == "Builtin-t1-1"]
    page = trial_page(flagged, [], [], [])
    assert ('<ul id="leaks"><li><code>git show 9f1c2ab:calc.py &gt; calc.py</code>: git show '
            "9f1c2ab: a commit that is not in the base&#x27;s history</li></ul>") in page
