"""A trial run to its end: every try until the error policy stops retrying, the last try's
artifacts in one staging directory, and :class:`FinishedTrial`, the committed-trial payload.

This is what an executor runs, wherever it runs (the job's own machine, or a Ray worker); the
job's one writer then commits the payload (``job.commit_trial``).
"""

from __future__ import annotations

import shutil
import socket
from dataclasses import asdict, dataclass, field
from pathlib import Path

from agentindex.results import (
    CallRecord,
    FailedTry,
    SelfReportResult,
    SuspectedLeak,
    TrialEnvironment,
    TrialResult,
    VariantInfo,
)
from agentindex.runner.plan import TrialPlan, TrialSettings
from agentindex.runner.policy import Policy
from agentindex.runner.trial import TryOutcome, run_try


@dataclass(frozen=True)
class FinishedTrial:
    """The committed-trial payload: the trial's result (its failed tries inside) and the model
    calls of all its tries. Its artifacts are the files of the staging directory it was made in.
    """

    result: TrialResult
    calls: list[CallRecord]
    # calls of other tries a kill interrupted, found where this trial ran (a dead Ray worker's
    # staging): billed, never committed with their own trial, kept as spend
    interrupted: list[CallRecord] = field(default_factory=list)


async def execute_trial(plan: TrialPlan, settings: TrialSettings, staging: Path
                        ) -> FinishedTrial:
    """Every try until the policy stops retrying; the last try's artifacts are the trial's, those
    of earlier tries go to ``tries/<n>/``. ``staging`` is emptied first."""
    shutil.rmtree(staging, ignore_errors=True)
    policy = settings.options.policy
    failed: list[FailedTry] = []
    calls: list[CallRecord] = []
    try_no = 0
    try:
        while True:
            try_no += 1
            art = staging / "tries" / str(try_no)
            outcome = await run_try(plan, settings, art, try_no)
            calls += outcome.calls
            if not policy.should_retry(outcome.error_class, try_no):
                break
            failed.append(FailedTry(try_no=try_no, error_class=str(outcome.error_class),
                                    error_message=outcome.error_message,
                                    started_at=outcome.started_at,
                                    finished_at=outcome.finished_at))
    finally:
        if settings.gateway is not None:  # no further try: providers drop the trial's state
            settings.gateway.end_trial(plan.trial_id)
    for item in art.iterdir():  # the last try's artifacts are the trial's
        item.rename(staging / item.name)
    art.rmdir()
    if not failed:
        (staging / "tries").rmdir()
    return FinishedTrial(_result(plan, policy, outcome, try_no, failed, settings.node_id), calls)


def _result(plan: TrialPlan, policy: Policy, out: TryOutcome, tries: int,
            failed: list[FailedTry], node_id: str | None) -> TrialResult:
    return TrialResult(
        trial_id=plan.trial_id, variant_key=plan.variant.key,
        variant=VariantInfo.model_validate(plan.variant.row()), benchmark=plan.benchmark,
        task_digest=plan.task.digest, task_name=plan.task.name, task_path=str(plan.task.path),
        attempt=plan.attempt,
        reward=out.verdict.reward if out.verdict else None,
        rewards=out.verdict.rewards if out.verdict else None,
        error_class=str(out.error_class) if out.error_class else None,
        error_message=out.error_message, score_as=str(policy.score_as(out.error_class)),
        tries=tries, failed_tries=failed, agent_exit_code=out.agent_exit_code,
        agent_timed_out=out.agent_timed_out,
        started_at=failed[0].started_at if failed else out.started_at,
        finished_at=out.finished_at, install_s=out.install_s, env_s=out.env_s, agent_s=out.agent_s,
        verify_s=out.verify_s, self_report=_self_report(out),
        self_report_error=out.self_report_error,
        limits_not_enforced=list(out.limits_not_enforced), judge_model=out.judge_model,
        answer_extracted=out.answer_extracted, host=socket.gethostname(),
        suspected_leaks=[SuspectedLeak(command=leak.command, why=leak.why) for leak in out.leaks]
        if out.leaks is not None else None,
        node_id=node_id, refused_tool_calls=out.refused_tool_calls,
        environment=TrialEnvironment.model_validate(out.environment) if out.environment else None)


def _self_report(out: TryOutcome) -> SelfReportResult | None:
    if out.self_report is None:
        return None
    report = asdict(out.self_report)
    del report["final_message"]  # kept as the agent's answer file when it was extracted
    return SelfReportResult.model_validate({**report, "usage": out.self_report.usage.to_dict()})
