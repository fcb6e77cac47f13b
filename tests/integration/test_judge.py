"""A verifier that calls an LLM judge (SWE-Atlas-QnA style), metered as grading: its own gateway
route for the grading phase, no provider key in the sandbox, the judge model from the task or
--judge-model, grading cost beside the agent's, malformed judge output a verifier error."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from agentindex.report import load_report
from agentindex.report.html import report_html
from agentindex.report.table import leaderboard
from agentindex.results.report import Report
from agentindex.store import Store
from tests.integration.helpers import run, trial_rows
from tests.qna_judge_fixture import write_qna_task

pytestmark = pytest.mark.integration

GPT5_JUDGE = "scripted/judge?price=openai/gpt-5"
GPT5_CALL_USD = 0.003405  # one scripted reply over Chat Completions at gpt-5's prices
CANARY = "sk-canary-must-never-reach-a-sandbox"


def _calls(job_dir: Path) -> list[dict[str, Any]]:
    store = Store.in_job(job_dir)
    try:
        return sorted(store.rows("calls"), key=lambda c: (c["trial_id"], c["seq"]))
    finally:
        store.close()


def _html_tables(report: Report) -> dict[str, dict[str, str]]:
    """Each table of the HTML report, as variant label -> column head -> cell text."""
    out: dict[str, dict[str, str]] = {}
    html = report_html(report, include_js=False)
    for table in re.findall(r"<table.*?</table>", html, re.S):
        heads = [unescape(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", table)]
        for row in re.findall(r"<tr>(<td.*?)</tr>", table, re.S):
            cells = [unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            out.setdefault(cells[0], {}).update(zip(heads, cells, strict=True))
    return out


def test_judge_calls_are_metered_as_grading(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)  # what the task's [verifier.env] asks for
    monkeypatch.setenv("OPENAI_API_BASE", "https://api.openai.example/v1")
    for name in ("q1", "q2"):
        write_qna_task(tmp_path / "tasks", name, judge=GPT5_JUDGE, dump_env=True)
    summary = run(tmp_path / "tasks", ["oracle", "nop", "builtin"], tmp_path / "jobs",
                  models=["scripted/oracle?price=openai/gpt-5"], concurrency=3)
    rows = trial_rows(summary.job_dir)
    assert len(rows) == 6
    calls = _calls(summary.job_dir)
    for row in rows:
        assert row["error_class"] is None, row["error_message"]
        assert row["judge_model"] == GPT5_JUDGE
        expected = 0.0 if row["agent"] == "nop" else 1.0  # no answer: the grader scores 0
        assert row["reward"] == expected
        mine = [c for c in calls if c["trial_id"] == row["trial_id"]]
        grading = [c for c in mine if c["phase"] == "grading"]
        agent = [c for c in mine if c["phase"] == "agent"]
        assert len(grading) == (0 if row["agent"] == "nop" else 3)  # one call per rubric item
        assert all(c["model"] == "judge?price=openai/gpt-5" and c["protocol"] == "openai-chat"
                   for c in grading)
        assert len(agent) == (2 if row["agent"] == "builtin" else 0)
        assert [c["seq"] for c in mine] == list(range(1, len(mine) + 1))  # agent's, then judge's
        trial = summary.job_dir / "trials" / row["trial_id"]
        env = dict(line.split("=", 1) for line in
                   (trial / "verifier" / "env.txt").read_text().splitlines() if "=" in line)
        assert env["EVAL_MODEL"] == GPT5_JUDGE
        assert env["EVAL_BASE_URL"].startswith("http://127.0.0.1:") and \
            env["EVAL_BASE_URL"].endswith("/v1")
        assert env["EVAL_API_KEY"] not in (CANARY, "") and "OPENAI_API_KEY" not in env
        for f in trial.rglob("*"):  # no artifact of the trial holds the key
            assert not f.is_file() or CANARY.encode() not in f.read_bytes(), f
    report = load_report(summary.job_dir)
    assert report.judge_models == [GPT5_JUDGE]
    by_agent = {v.agent: v for v in report.variants}
    # the index's cost is the agent's; grading is apart (3 judge calls per answered task)
    assert by_agent["builtin"].cost_per_task_usd == pytest.approx(2 * GPT5_CALL_USD)
    assert by_agent["builtin"].grading_cost_per_task_usd == pytest.approx(3 * GPT5_CALL_USD)
    assert by_agent["oracle"].cost_per_task_usd is None  # no model, no agent cost
    assert by_agent["oracle"].grading_cost_per_task_usd == pytest.approx(3 * GPT5_CALL_USD)
    assert by_agent["nop"].grading_cost_per_task_usd == 0.0
    assert by_agent["oracle"].grading_calls_per_task == 3.0
    # the judge's whole spend: 2 tasks x 3 calls; the nop's judge made no call: none measured
    assert by_agent["oracle"].grading_spend_usd == pytest.approx(6 * GPT5_CALL_USD)
    assert by_agent["nop"].grading_spend_usd is None
    assert by_agent["oracle"].turns_per_task is None  # judge calls are not agent turns
    # shown side by side: the table and the HTML report
    console = Console(width=400, record=True)
    console.print(leaderboard(report))
    text = console.export_text()
    (row,) = [line for line in text.splitlines() if by_agent["builtin"].label in line]
    assert "grading $/task" in text
    assert re.search(r"\b0\.0068 +│ +0\.0102\b", row), row  # $/task, then grading $/task
    html = _html_tables(report)[by_agent["builtin"].label]
    assert (html["$ / task"], html["grading $ / task"]) == ("0.0068", "0.0102")
    assert html["judge, all calls ($, apart)"] == f"{6 * GPT5_CALL_USD:.4f}"


def test_judge_model_flag_changes_the_recorded_model(tmp_path: Path) -> None:
    write_qna_task(tmp_path / "tasks", "q1")  # names scripted/judge
    summary = run(tmp_path / "tasks", ["oracle"], tmp_path / "jobs", judge_model=GPT5_JUDGE)
    (row,) = trial_rows(summary.job_dir)
    assert row["reward"] == 1.0 and row["judge_model"] == GPT5_JUDGE
    assert {c["model"] for c in _calls(summary.job_dir)} == {"judge?price=openai/gpt-5"}
    default = run(tmp_path / "tasks", ["oracle"], tmp_path / "jobs", job="default")
    (row,) = trial_rows(default.job_dir)
    assert row["judge_model"] == "scripted/judge"
    assert {c["model"] for c in _calls(default.job_dir)} == {"judge"}
    result = json.loads((default.job_dir / "trials" / row["trial_id"] / "result.json")
                        .read_text())
    assert result["judge_model"] == "scripted/judge" and result["answer_extracted"] is False


def test_malformed_judge_output_is_a_verifier_error(tmp_path: Path) -> None:
    write_qna_task(tmp_path / "tasks", "q1", rubric_items=2)
    summary = run(tmp_path / "tasks", ["oracle"], tmp_path / "jobs",
                  judge_model="scripted/judge?verdict=malformed")
    (row,) = trial_rows(summary.job_dir)
    assert row["error_class"] == "verifier" and row["reward"] is None
    assert row["error_message"] == ("the judge's replies left 2 of 2 rubric items unscored "
                                    "after the grader's retries (malformed judge output)")
    grading = [c for c in _calls(summary.job_dir) if c["phase"] == "grading"]
    # per try of the trial (the policy retries a verifier error), the grader's 3 tries per
    # item, all metered
    assert sorted(c["try_no"] for c in grading) == [n for n in range(1, row["tries"] + 1)
                                                    for _ in range(2 * 3)]


def test_a_printed_answer_is_extracted_and_marked(tmp_path: Path) -> None:
    """builtin on scripted/text prints its answer and writes no answer file: the runner writes
    its final message there before grading, and says so."""
    write_qna_task(tmp_path / "tasks", "q1")
    summary = run(tmp_path / "tasks", ["builtin", "oracle"], tmp_path / "jobs",
                  models=["scripted/text"])
    rows = {r["agent"]: r for r in trial_rows(summary.job_dir)}
    printed, written = rows["builtin"], rows["oracle"]
    assert printed["reward"] == 1.0 and printed["answer_extracted"] is True
    assert written["reward"] == 1.0 and written["answer_extracted"] is False
    trial = summary.job_dir / "trials" / printed["trial_id"]
    assert (trial / "agent" / "answer.txt").read_text() == "Done.\n"
    assert json.loads((trial / "result.json").read_text())["answer_extracted"] is True
    report = load_report(summary.job_dir)
    assert {v.agent: v.answers_extracted for v in report.variants} == {"builtin": 1, "oracle": 0}
    html = _html_tables(report)
    assert {v.agent: html[v.label]["answers taken from the final message"]
            for v in report.variants} == {"builtin": "1", "oracle": "0"}
