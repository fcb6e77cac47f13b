"""The judge's spend: ``grading_cost_per_task_usd`` is the mean over the scored trials' last
tries; ``grading_spend_usd`` sums every judge call the variant's trials made, those of retried
tries, of tries a kill interrupted and of results a re-run replaced included. Neither is in the
agent's spend."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentindex.report import load_report
from agentindex.results import CallRecord, TrialResult
from agentindex.store import Store
from tests.unit.report.jobstore import T0, call, make_job, trial, variant
from tests.unit.report.scenario import SONNET

CALL_USD = 0.00789  # one jobstore call priced as claude-sonnet-4-5 (see test_build)


def judged(t: TrialResult) -> TrialResult:
    return t.model_copy(update={"judge_model": SONNET})


def grading(t: TrialResult, seq: int, **kw: object) -> CallRecord:
    return call(t, seq, SONNET, **kw).model_copy(update={"phase": "grading"})  # type: ignore[arg-type]


def test_every_judge_call_counts_in_the_judges_spend_and_none_in_the_agents(
        tmp_path: Path) -> None:
    v = variant("Judged", "builtin", SONNET)
    job = make_job(tmp_path / "j", variants=[v], tasks={"b": ["t1"]}, trials=[],
                   price_date="2026-05-01")
    # A first result with a broken grader (verifier error), replaced by a re-run whose first
    # try was retried: 1 replaced + 1 retried + 2 on the last try; one more a kill cut.
    broken = judged(trial(v, "t1", reward=None, error_class="verifier", score_as="exclude"))
    final = judged(trial(v, "t1", tries=2))
    store = Store.in_job(job)
    try:
        store.commit_trial(broken, [grading(broken, 1)])
        store.commit_trial(final, [call(final, 1, SONNET, started_at=T0 + 100),
                                   grading(final, 1, try_no=1, started_at=T0 + 100),
                                   grading(final, 2, try_no=2, started_at=T0 + 200),
                                   grading(final, 3, try_no=2, started_at=T0 + 200)])
        store.add_interrupted_calls([grading(final, 1, try_no=1, started_at=T0 + 50)])
    finally:
        store.close()
    [figures] = load_report(job).variants
    assert figures.grading_calls_per_task == 2.0  # the scored trial's last try
    assert figures.grading_cost_per_task_usd == pytest.approx(2 * CALL_USD)
    assert figures.grading_spend_usd == pytest.approx(5 * CALL_USD)
    assert figures.spend_total_usd == pytest.approx(CALL_USD)  # the agent's one call
    assert figures.spend_retried_usd == 0.0 and figures.interrupted_calls == 0


def test_no_judge_call_is_no_judge_spend_not_0(tmp_path: Path) -> None:
    v = variant("Plain", "builtin", SONNET)
    t = trial(v, "t1")
    job = make_job(tmp_path / "j", variants=[v], tasks={"b": ["t1"]}, trials=[t],
                   calls=[call(t, 1, SONNET)], price_date="2026-05-01")
    [figures] = load_report(job).variants
    assert figures.grading_spend_usd is None and figures.grading_cost_per_task_usd is None
    assert figures.spend_total_usd == pytest.approx(CALL_USD)
