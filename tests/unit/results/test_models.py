"""The results models: round trips, versioned readers (upgrade or refuse), schema drift, and
the store's columns and version derived from them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from agentindex.errors import ConfigError
from agentindex.results import (
    REPORT_FORMAT,
    TRIAL_FORMAT,
    Report,
    TrialResult,
    load_report_file,
    load_trial_result,
    read_report,
    read_trial_result,
)
from agentindex.results.schema import DEFAULT_DIR, stale
from agentindex.store import STORE_FILE, Store, schema
from agentindex.store.schema import SCHEMA_VERSION, TRIAL_EXCLUDED
from tests.unit.report.jobstore import trial, variant

V = variant("Builtin", "builtin", "scripted/oracle")


def _trial_1() -> dict[str, Any]:
    """A result.json as agentindex.trial/1 wrote it (the runner before TrialResult)."""
    return {"format": "agentindex.trial/1", "benchmark": "demo-terminal@1",
            "variant": V.model_dump(), "task_path": "/tasks/t1", "trial_id": "abc",
            "variant_key": V.variant_key, "task_digest": "d1", "task_name": "t1", "attempt": 1,
            "reward": 1.0, "rewards": {"reward": 1.0}, "error_class": None,
            "error_message": None, "score_as": "reward", "tries": 1, "agent_exit_code": 0,
            "agent_timed_out": False, "started_at": 1.0, "finished_at": 2.0, "install_s": 0.0,
            "env_s": 0.1, "agent_s": 0.5, "verify_s": 0.2,
            "self_report": {"usage": {"input": 1, "cache_read": None, "cache_write_5m": None,
                                      "cache_write_1h": None, "output": 2, "reasoning": None},
                            "cost_usd": None, "turns": 1, "duration_s": None,
                            "session_id": None}}


def test_a_trial_result_round_trips_through_json() -> None:
    t = trial(V, "t1", self_report={"usage": {"input": 5, "output": 1}, "turns": 2})
    assert TrialResult.model_validate_json(t.model_dump_json()) == t
    assert t.format == TRIAL_FORMAT


def test_a_trial_1_result_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text(json.dumps(_trial_1()))
    t = load_trial_result(path)
    assert t.format == TRIAL_FORMAT and t.failed_tries == [] and t.reward == 1.0
    assert t.self_report is not None and t.self_report.usage.output == 2
    assert t.judge_model is None and t.answer_extracted is False  # trial/2 -> 3: no judge


def test_a_trial_2_result_is_upgraded_with_leaks_unchecked() -> None:
    t = read_trial_result({**_trial_1(), "format": "agentindex.trial/2", "failed_tries": []},
                          "r.json")
    assert t.format == TRIAL_FORMAT and t.suspected_leaks is None


def test_suspected_leaks_round_trip_through_json_and_the_store(tmp_path: Path) -> None:
    t = trial(V, "t1", suspected_leaks=[{"command": "git log --all", "why": "every ref"}])
    assert TrialResult.model_validate_json(t.model_dump_json()) == t
    store = Store.in_job(tmp_path)
    try:
        store.put_job_rows([V], [])
        store.commit_trial(t)
        assert [x.suspected_leaks for x in store.trials()] == [t.suspected_leaks]
    finally:
        store.close()


def test_old_or_unknown_trial_formats_are_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"failed tries were not in result\.json"):
        read_trial_result({**_trial_1(), "tries": 2}, "r.json")
    with pytest.raises(ConfigError, match=r"r\.json: format: 'agentindex\.trial/9' is not a "
                                          r"format this agentindex reads"):
        read_trial_result({**_trial_1(), "format": "agentindex.trial/9"}, "r.json")
    with pytest.raises(ConfigError, match=r"r\.json: surprise: Extra inputs are not permitted"):
        read_trial_result({**_trial_1(), "surprise": 1}, "r.json")


def _report_2() -> dict[str, Any]:
    """A report.json as agentindex.report/2 wrote it: no variant_key, no reconciliation rule."""
    recon = {side: {"tokens": {k: 1 for k in ("input", "cache_read", "cache_write", "output",
                                               "reasoning", "total")}, "cost_usd": None}
             for side in ("gateway", "self_report", "difference")}
    v = {"label": "Builtin", "agent": "builtin", "agent_version": None,
         "model": "scripted/oracle", "settings": {}, "index": 100.0,
         "index_ci95": [100.0, 100.0],
         "benchmarks": {"b": {"score": 1.0, "ci95": [1.0, 1.0], "pass_at_k": {"1": 1.0},
                              "tasks": 1, "trials": 1, "errored": 0}},
         "trials": 1, "errored": 0, "errors_by_class": {}, "cost_per_task_usd": 0.0,
         "price_unknown": None, "tokens_per_task": None, "cache_hit_rate": None,
         "turns_per_task": 2.0, "side_calls_per_task": 0.0, "loop_rate": 0.0,
         "tokens_in_loops_per_task": 0.0, "usage_source": "gateway",
         "reconciliation": {"trials": 1, **recon}, "time_per_task_s": 1.0,
         "env_time_per_task_s": 0.1, "verify_time_per_task_s": 0.2, "spend_total_usd": 0.0,
         "spend_failed_usd": 0.0, "spend_retried_usd": 0.0, "pareto_optimal": True}
    return {"format": "agentindex.report/2", "agentindex_version": "0.1.0", "job": "j",
            "jobs": ["j"], "index_definition": "demo@1", "index_weights": {"b": 1.0},
            "price_date": "2026-05-01", "price_sources": {},
            "ci": {"method": "bootstrap", "level": 0.95, "resamples": 2000, "seed": 0},
            "generated_at": "2026-05-01T00:00:00+00:00", "benchmarks": ["b"],
            "pareto_frontier": ["Builtin"], "variants": [v]}


def test_a_report_2_is_upgraded_and_a_report_1_refused(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(_report_2()))
    r = load_report_file(path)
    assert r.format == REPORT_FORMAT and r.variants[0].variant_key is None
    recon = r.variants[0].reconciliation
    assert recon is not None and recon.rule == "unexplained"
    assert r.judge_models == [] and r.benchmark_labels == {}  # report/3 -> 4: nothing graded
    assert r.variants[0].grading_cost_per_task_usd is None and r.variants[0].answers_extracted == 0
    assert Report.model_validate_json(r.model_dump_json()) == r
    with pytest.raises(ConfigError, match=r"report\.json: format: 'agentindex\.report/1' is not"):
        read_report({**_report_2(), "format": "agentindex.report/1"}, path.name)
    with pytest.raises(ConfigError, match="format: None is not a format"):
        read_report({k: v for k, v in _report_2().items() if k != "format"}, "x")


def test_a_report_3_is_upgraded_with_no_date_and_leaks_unmeasured() -> None:
    old = read_report(_report_2(), "r.json").model_dump(mode="json")
    old["format"] = "agentindex.report/3"
    del old["index_date"]
    for v in old["variants"]:
        del v["suspected_leak_rate"], v["suspected_leak_trials"]
    r = read_report(old, "r.json")
    assert r.format == REPORT_FORMAT and r.index_date is None
    assert [(v.suspected_leak_rate, v.suspected_leak_trials) for v in r.variants] == [(None, [])]


def test_a_report_5_is_upgraded_with_refusals_unmeasured() -> None:
    old = read_report(_report_2(), "r.json").model_dump(mode="json")
    old["format"] = "agentindex.report/5"
    for v in old["variants"]:
        del v["refused_tool_calls"]
    r = read_report(old, "r.json")
    assert r.format == REPORT_FORMAT and [v.refused_tool_calls for v in r.variants] == [None]


def test_checked_in_schemas_match_the_models() -> None:
    assert stale(DEFAULT_DIR) == [], "run: python -m agentindex.results.schema --write"


def test_trial_columns_are_the_models_fields() -> None:
    fields = [f for f in TrialResult.model_fields if f not in TRIAL_EXCLUDED]
    assert [c.name for c in schema.trials.columns] == fields
    assert schema.trials.column("self_report").type == "JSON"
    assert not schema.trials.column("trial_id").nullable
    assert schema.trials.column("reward").nullable


def test_the_store_gives_back_the_trial_it_was_given(tmp_path: Path) -> None:
    t = trial(V, "t1", self_report={"usage": {"input": 5, "output": 1}, "cost_usd": 0.5})
    store = Store.in_job(tmp_path)
    try:
        store.put_job_rows([V], [])
        store.commit_trial(t)
        assert list(store.trials()) == [t]
    finally:
        store.close()


def test_a_store_of_an_older_schema_is_refused_clearly(tmp_path: Path) -> None:
    store = Store.in_job(tmp_path)
    store.close()
    with sqlite3.connect(tmp_path / STORE_FILE) as c:
        c.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with pytest.raises(ConfigError, match=r"meta\.schema_version: the store has schema 1 and "
                                          rf"this agentindex reads only schema {SCHEMA_VERSION}"):
        Store.in_job(tmp_path)



def test_a_report_6_is_upgraded_with_interrupted_calls_unmeasured() -> None:
    old = read_report(_report_2(), "r.json").model_dump(mode="json")
    old["format"] = "agentindex.report/6"
    for v in old["variants"]:
        del v["interrupted_calls"], v["interrupted_spend_usd"]
    r = read_report(old, "r.json")
    assert r.format == REPORT_FORMAT
    assert [(v.interrupted_calls, v.interrupted_spend_usd) for v in r.variants] == [(None, None)]


def test_a_report_7_is_upgraded_with_the_judges_whole_spend_unmeasured() -> None:
    old = read_report(_report_2(), "r.json").model_dump(mode="json")
    old["format"] = "agentindex.report/7"
    for v in old["variants"]:
        del v["grading_spend_usd"]
    r = read_report(old, "r.json")
    assert r.format == REPORT_FORMAT == "agentindex.report/8"
    assert [v.grading_spend_usd for v in r.variants] == [None]
