"""The calls of tries a kill interrupted are kept in the store (``interrupted_calls``) before
their staging is wiped, once each, and the report counts them as the variant's spend."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentindex.report import load_report
from agentindex.results import CallRecord
from agentindex.runner.salvage import salvage_interrupted_calls
from agentindex.store import Store
from tests.unit.report.jobstore import T0, call, make_job, trial, variant
from tests.unit.report.scenario import SONNET

CALL_USD = 0.00789  # one jobstore call priced as claude-sonnet-4-5 (see test_build)


def _stage(path: Path, records: list[CallRecord], tail: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(r.to_json() + "\n" for r in records) + tail)


def _interrupted(job: Path) -> list[tuple[str, int, int, int | None, int | None]]:
    store = Store.in_job(job)
    try:
        return sorted((r["trial_id"], r["try_no"], r["seq"], r["input"], r["output"])
                      for r in store.rows("interrupted_calls"))
    finally:
        store.close()


def test_a_half_written_line_is_skipped_and_a_second_salvage_adds_nothing(
        tmp_path: Path) -> None:
    v = variant("Builtin", "builtin", SONNET)
    done, cut, renamed = (trial(v, t) for t in ("t1", "t2", "t3"))
    job = make_job(tmp_path / "j", variants=[v], tasks={"b": ["t1", "t2", "t3"]},
                   trials=[done], calls=[call(done, 1, SONNET)])
    trials = job / "trials"
    # t2 was killed in its 2nd try: the 1st try's call and one whole call of the 2nd are
    # staged, the 2nd call's line was cut by the kill.
    _stage(trials / ".staging" / cut.trial_id / "tries" / "1" / "calls.jsonl",
           [call(cut, 1, SONNET, try_no=1, usage=(10, 0, 0, 0, 5, None))])
    whole = call(cut, 1, SONNET, try_no=2, usage=(20, 0, 0, 0, 7, None))
    half = call(cut, 2, SONNET, try_no=2).to_json()[:40]
    _stage(trials / ".staging" / cut.trial_id / "tries" / "2" / "calls.jsonl", [whole], half)
    # t3 was renamed to trials/<id>/ but killed before its row was committed
    _stage(trials / renamed.trial_id / "calls.jsonl", [call(renamed, 1, SONNET)])
    # t1 is committed: its directory's calls are in ``calls`` already
    _stage(trials / done.trial_id / "calls.jsonl", [call(done, 1, SONNET)])

    store = Store.in_job(job)
    try:
        assert salvage_interrupted_calls(trials, store, {done.trial_id}) == 3
        assert salvage_interrupted_calls(trials, store, {done.trial_id}) == 0  # a kill, again
        # a directory of a committed trial is not salvaged even when passed as not done (a
        # trial run again because of its error class): its calls are the committed ones
        assert salvage_interrupted_calls(trials, store, set()) == 0
    finally:
        store.close()
    assert _interrupted(job) == [(cut.trial_id, 1, 1, 10, 5), (cut.trial_id, 2, 1, 20, 7),
                                 (renamed.trial_id, 1, 1, 1200, 78)]


def test_a_trial_killed_twice_keeps_both_runs_calls(tmp_path: Path) -> None:
    """The re-run numbers its calls from 1 again: the start time tells them apart."""
    v = variant("Builtin", "builtin", SONNET)
    t = trial(v, "t1")
    job = make_job(tmp_path / "j", variants=[v], tasks={"b": ["t1"]}, trials=[])
    staged = job / "trials" / ".staging" / t.trial_id / "tries" / "1" / "calls.jsonl"
    store = Store.in_job(job)
    try:
        _stage(staged, [call(t, 1, SONNET, try_no=1)])
        assert salvage_interrupted_calls(job / "trials", store, set()) == 1
        _stage(staged, [call(t, 1, SONNET, try_no=1, started_at=T0 + 600)])
        assert salvage_interrupted_calls(job / "trials", store, set()) == 1
    finally:
        store.close()
    assert len(_interrupted(job)) == 2


def test_the_report_counts_interrupted_calls_in_the_variants_spend(tmp_path: Path) -> None:
    cut_v, clean_v = variant("Cut", "builtin", SONNET), variant("Clean", "oracle", SONNET)
    cut, clean = trial(cut_v, "t1"), trial(clean_v, "t1")
    job = make_job(tmp_path / "j", variants=[cut_v, clean_v], tasks={"b": ["t1"]},
                   trials=[cut, clean], calls=[call(cut, 1, SONNET), call(clean, 1, SONNET)],
                   price_date="2026-05-01")
    store = Store.in_job(job)
    try:  # two calls of an earlier run of the same trial, killed; one free (scripted) call
        store.add_interrupted_calls([call(cut, s, SONNET, started_at=T0 - 100) for s in (1, 2)])
    finally:
        store.close()
    report = {v.label: v for v in load_report(job).variants}
    assert report["Cut"].interrupted_calls == 2
    assert report["Cut"].interrupted_spend_usd == pytest.approx(2 * CALL_USD)
    assert report["Cut"].spend_total_usd == pytest.approx(3 * CALL_USD)
    assert report["Cut"].spend_failed_usd == 0.0 and report["Cut"].cost_per_task_usd == \
        pytest.approx(CALL_USD)
    # no interrupted call: none counted, and no spend measured (null, not 0)
    assert (report["Clean"].interrupted_calls, report["Clean"].interrupted_spend_usd) == (0, None)
    assert report["Clean"].spend_total_usd == pytest.approx(CALL_USD)


def test_interrupted_calls_that_cost_nothing_are_0_not_null(tmp_path: Path) -> None:
    v = variant("Free", "builtin", "scripted/oracle")
    t = trial(v, "t1")
    job = make_job(tmp_path / "j", variants=[v], tasks={"b": ["t1"]}, trials=[t])
    store = Store.in_job(job)
    try:
        store.add_interrupted_calls([call(t, 1, "scripted/oracle")])
    finally:
        store.close()
    [figures] = load_report(job).variants
    assert (figures.interrupted_calls, figures.interrupted_spend_usd) == (1, 0.0)
    assert figures.spend_total_usd == 0.0  # the only call there was: measured, free


def test_a_result_a_rerun_replaces_keeps_its_calls_as_spend(tmp_path: Path) -> None:
    """A trial run again because of its error class: the earlier result's calls (both its
    tries) stay in the store and in the variant's spend, as retried spend; a second re-run
    keeps both earlier results' calls."""
    v = variant("Builtin", "builtin", SONNET)
    job = make_job(tmp_path / "j", variants=[v], tasks={"b": ["t1"]}, trials=[],
                   price_date="2026-05-01")
    first = trial(v, "t1", reward=None, error_class="config", score_as="exclude", tries=2)
    second = trial(v, "t1", reward=None, error_class="config", score_as="exclude")
    fixed = trial(v, "t1")
    store = Store.in_job(job)
    try:
        store.commit_trial(first, [call(first, 1, SONNET, try_no=1),
                                   call(first, 1, SONNET, try_no=2)])
        digest = store.content_digest()
        store.commit_trial(second, [call(second, 1, SONNET, started_at=T0 + 100)])
        assert store.content_digest() != digest
        store.commit_trial(fixed, [call(fixed, 1, SONNET, started_at=T0 + 200)])
        kept = sorted((r["try_no"], r["started_at"]) for r in store.rows("superseded_calls"))
        [now] = store.rows("calls")
    finally:
        store.close()
    assert kept == [(1, T0 + 1), (1, T0 + 101), (2, T0 + 1)]  # call() starts seq s after
    assert (now["try_no"], now["started_at"]) == (1, T0 + 201)
    [figures] = load_report(job).variants
    assert figures.spend_total_usd == pytest.approx(4 * CALL_USD)
    assert figures.spend_retried_usd == pytest.approx(3 * CALL_USD)
    assert figures.spend_failed_usd == pytest.approx(3 * CALL_USD)
    assert figures.cost_per_task_usd == pytest.approx(CALL_USD)
    assert figures.interrupted_calls == 0
