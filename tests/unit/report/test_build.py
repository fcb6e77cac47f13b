"""report.json from a store built by hand, every figure checked against hand-computed values."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest

from agentindex.errors import ConfigError
from agentindex.report import load_report, render
from tests.unit.report.jobstore import call, make_job, trial, variant
from tests.unit.report.scenario import SONNET, UNKNOWN, scenario_job

CALL_USD = 0.00789  # 1200*3 + 3400*0.3 + 560*3.75 + 78*15 micro-dollars
CALL_TOKENS = 5238


@pytest.fixture
def report(tmp_path: Path) -> dict[str, Any]:
    return load_report(scenario_job(tmp_path / "job")).model_dump()


def _v(report: dict[str, Any], label: str) -> dict[str, Any]:
    return next(v for v in report["variants"] if v["label"] == label)


def test_scores_index_and_errors(report: dict[str, Any]) -> None:
    b = _v(report, "Builtin")
    assert b["benchmarks"]["b1"] | {"ci95": None} == {
        "score": 0.5, "ci95": None, "pass_at_k": {"1": 0.5}, "tasks": 2, "trials": 2,
        "errored": 0}
    assert b["benchmarks"]["b2"]["score"] == 1.0 and b["benchmarks"]["b2"]["ci95"] == [1.0, 1.0]
    assert b["benchmarks"]["b1"]["ci95"] == [0.0, 1.0]  # tasks with means 1 and 0
    assert b["index"] == 75.0 and b["index_ci95"] == [50.0, 100.0]
    assert b["trials"] == 3 and b["errored"] == 0 and b["errors_by_class"] == {}
    assert _v(report, "Claude")["index"] == 50.0  # b1: (1 + 1) / 2 = 1, b2: 0


def test_gateway_economics(report: dict[str, Any]) -> None:
    b = _v(report, "Builtin")
    # 7 calls in last tries over 3 trials; 1 more call in the retried try.
    assert b["cost_per_task_usd"] == pytest.approx(7 * CALL_USD / 3, abs=1e-6)
    assert b["tokens_per_task"] == {"input": 2800.0, "cache_read": 7933.3, "cache_write": 1306.7,
                                    "output": 182.0, "reasoning": None, "total": 12222.0}
    assert b["cache_hit_rate"] == round(3400 / 5160, 4)
    assert b["turns_per_task"] == 2.0 and b["side_calls_per_task"] == 0.333
    assert b["loop_rate"] == 0.3333 and b["tokens_in_loops_per_task"] == CALL_TOKENS
    assert b["spend_total_usd"] == pytest.approx(8 * CALL_USD)
    assert b["spend_retried_usd"] == pytest.approx(CALL_USD)
    assert b["spend_failed_usd"] == pytest.approx(CALL_USD)
    assert b["time_per_task_s"] == 20.0 and b["env_time_per_task_s"] == 1.0
    assert b["verify_time_per_task_s"] == 2.0
    assert b["usage_source"] == "gateway" and b["price_unknown"] is None
    assert report["price_sources"][SONNET].startswith("genai-prices")


def test_unknown_price_says_so_and_reconciliation(report: dict[str, Any]) -> None:
    c = _v(report, "Claude")
    assert c["cost_per_task_usd"] is None and c["price_unknown"] == [UNKNOWN]
    assert c["spend_total_usd"] is None
    assert c["tokens_per_task"]["total"] == 110.0
    r = c["reconciliation"]
    assert r["trials"] == 3
    assert r["gateway"]["tokens"]["output"] == 30 and r["self_report"]["tokens"]["output"] == 36
    assert r["difference"]["tokens"] == {"input": 0, "cache_read": 0, "cache_write": None,
                                         "output": 6, "reasoning": None, "total": 6}
    assert r["gateway"]["cost_usd"] is None and r["self_report"]["cost_usd"] == 0.03
    assert _v(report, "Builtin")["reconciliation"] is None  # no self-report to compare


def test_not_measured_is_null(report: dict[str, Any]) -> None:
    n = _v(report, "Nop")
    for key in ("cost_per_task_usd", "tokens_per_task", "cache_hit_rate", "turns_per_task",
                "loop_rate", "usage_source", "reconciliation", "spend_total_usd",
                "pareto_optimal"):
        assert n[key] is None, key
    assert n["index"] == 0.0
    assert report["pareto_frontier"] == ["Builtin"]
    assert _v(report, "Builtin")["pareto_optimal"] is True


def test_price_date_defaults_to_the_creation_date_and_can_be_given(tmp_path: Path) -> None:
    job = scenario_job(tmp_path / "job", price_date=None)
    assert load_report(job).price_date == "2026-05-28"  # created 2026-05-28T20:26:40Z
    assert load_report(job, dt.date(2026, 1, 2)).price_date == "2026-01-02"


def test_self_report_only_variant_is_marked(tmp_path: Path) -> None:
    v = variant("Solo", "claude-code", "anthropic/claude-sonnet-4-5")
    sr = {"usage": {"input": 10, "cache_read": 30, "output": 5}, "cost_usd": 0.5, "turns": 4}
    job = make_job(tmp_path / "j", variants=[v], tasks={"b": ["t1", "t2"]},
                   trials=[trial(v, "t1", self_report=sr), trial(v, "t2", self_report=sr)],
                   weights={"b": 1.0})
    s = load_report(job).model_dump()["variants"][0]
    assert s["usage_source"] == "self-report"
    assert s["cost_per_task_usd"] == 0.5 and s["turns_per_task"] == 4.0
    assert s["cache_hit_rate"] == 0.75 and s["tokens_per_task"]["total"] == 45.0


def test_several_jobs_pool_variants_and_refuse_mixed_index_definitions(tmp_path: Path) -> None:
    a = scenario_job(tmp_path / "a")
    v = variant("Other", "oracle", None)
    b = make_job(tmp_path / "b", variants=[v], tasks={"b1": ["t1", "t2"], "b2": ["t3"]},
                 trials=[trial(v, t) for t in ("t1", "t2", "t3")], weights={"b1": 1, "b2": 1})
    both = load_report([a, b]).model_dump()
    assert [v["label"] for v in both["variants"]] == ["Builtin", "Claude", "Nop", "Other"]
    assert both["jobs"] == ["a", "b"] and _v(both, "Other")["index"] == 100.0
    c = make_job(tmp_path / "c", variants=[v], tasks={"b1": ["t1"]}, trials=[], index="x@2")
    with pytest.raises(ConfigError, match="different index definitions"):
        load_report([a, c])


def test_spend_is_null_when_no_call_reported_usage(tmp_path: Path) -> None:
    """An unreachable provider: every call failed with no usage. Nothing was measured, so the
    spend (and the cost) is null, not 0.0."""
    v = variant("Down", "builtin", "anthropic/claude-sonnet-4-5")
    trials = [trial(v, t, reward=None, error_class="upstream", score_as="exclude")
              for t in ("t1", "t2")]
    calls = [call(t, 1, "anthropic/claude-sonnet-4-5", usage=(None,) * 6, status=502,
                  error="upstream 502") for t in trials]
    job = make_job(tmp_path / "j", variants=[v], tasks={"b": ["t1", "t2"]}, trials=trials,
                   calls=calls, weights={"b": 1.0})
    s = load_report(job).variants[0]
    assert s.spend_total_usd is None and s.spend_failed_usd is None
    assert s.spend_retried_usd == 0.0  # no retried try: nothing to measure, measured as none


def test_labels_are_unique_and_show_the_settings_that_differ(tmp_path: Path) -> None:
    """The builtin harness on Chat Completions and on Responses, in two jobs, one report."""
    chat = variant("Builtin · gpt-5", "builtin", "openai/gpt-5", {"protocol": "openai-chat"})
    resp = variant("Builtin · gpt-5", "builtin", "openai/gpt-5",
                   {"protocol": "openai-responses"})
    plain = variant("Builtin · gpt-5", "builtin", "openai/gpt-5")
    jobs = [make_job(tmp_path / name, variants=[v], tasks={"b": ["t1"]}, trials=[trial(v, "t1")],
                     weights={"b": 1.0}) for name, v in (("a", chat), ("b", resp), ("c", plain))]
    labels = [v.label for v in load_report(jobs).variants]
    assert labels == ["Builtin · gpt-5 (protocol=default)",
                      "Builtin · gpt-5 (protocol=openai-chat)",
                      "Builtin · gpt-5 (protocol=openai-responses)"]
    high = variant("Builtin · gpt-5 (high)", "builtin", "openai/gpt-5",
                   {"reasoning_effort": "high"})
    solo = make_job(tmp_path / "d", variants=[high], tasks={"b": ["t1"]},
                    trials=[trial(high, "t1")], weights={"b": 1.0})
    assert load_report([solo]).variants[0].label == "Builtin · gpt-5 (high)"  # no collision


def test_reconciliation_names_the_rule_that_explains_the_difference(tmp_path: Path) -> None:
    """An OpenCode-like harness whose self-report leaves out its session-title side call."""
    v = variant("OpenCode", "opencode", SONNET)
    sr = {"usage": {"input": 1200, "cache_read": 3400, "cache_write_5m": 560, "output": 78}}
    t = trial(v, "t1", self_report=sr)
    calls = [call(t, 1, SONNET, digest="a"), call(t, 2, SONNET, tools=False,
                                                  usage=(300, 0, 0, 0, 20, None))]
    job = make_job(tmp_path / "j", variants=[v], tasks={"b": ["t1"]}, trials=[t], calls=calls,
                   weights={"b": 1.0})
    report = load_report(job)
    r = report.variants[0].reconciliation
    assert r is not None and r.rule == "title-side-call"
    assert r.difference.tokens.input == -300 and r.difference.tokens.output == -20
    html = render(report, "html")
    assert "title-side-call: 1 trials, gateway 5,558 tokens, self-report 5,238, difference " \
           "-320" in html
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    assert rows[0]["reconciliation_rule"] == "title-side-call"
    scenario = load_report(scenario_job(tmp_path / "s"))
    claude = next(v for v in scenario.variants if v.label == "Claude")
    assert claude.reconciliation is not None and claude.reconciliation.rule == "unexplained"
