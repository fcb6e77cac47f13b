"""Build job stores directly (no runner): variants, tasks, trials, tries and calls as rows."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from agentindex.results import (
    CallRecord,
    FailedTry,
    SelfReportResult,
    SuspectedLeak,
    TrialResult,
    VariantInfo,
)
from agentindex.store import Store

T0 = 1_780_000_000.0  # 2026-05-28T20:26:40Z


def variant(label: str, agent: str, model: str | None,
            settings: dict[str, Any] | None = None) -> VariantInfo:
    key = json.dumps({"agent": agent, "model": model, "settings": settings or {}})
    return VariantInfo(variant_key=key, label=label, agent=agent, agent_version=None,
                       model=model, settings=settings or {})


def trial(v: VariantInfo, task: str, attempt: int = 1, reward: float | None = 1.0, *,
          error_class: str | None = None, score_as: str = "reward", tries: int = 1,
          agent_s: float | None = 10.0, env_s: float | None = 1.0,
          verify_s: float | None = 2.0, self_report: dict[str, Any] | None = None,
          failed: Iterable[FailedTry] = (), benchmark: str = "b",
          suspected_leaks: list[dict[str, str]] | None = None) -> TrialResult:
    return TrialResult(
        trial_id=f"{v.label}-{task}-{attempt}", variant_key=v.variant_key, variant=v,
        benchmark=benchmark, task_digest=task, task_name=task, task_path=f"/tasks/{task}",
        attempt=attempt, reward=reward,
        rewards=None if reward is None else {"reward": reward}, error_class=error_class,
        error_message=None, score_as=score_as, tries=tries, failed_tries=list(failed),
        agent_exit_code=0, agent_timed_out=False, started_at=T0, finished_at=T0 + 20,
        install_s=0.0, env_s=env_s, agent_s=agent_s, verify_s=verify_s,
        self_report=None if self_report is None else SelfReportResult.model_validate(self_report),
        suspected_leaks=None if suspected_leaks is None
        else [SuspectedLeak.model_validate(leak) for leak in suspected_leaks])


def call(t: TrialResult, seq: int, model: str, *, try_no: int | None = None,
         usage: tuple[int | None, ...] = (1200, 3400, 560, 0, 78, None),
         tools: bool = True, digest: str | None = None, started_at: float = T0,
         status: int | None = 200, error: str | None = None) -> CallRecord:
    inp, cr, w5, w1, out, reasoning = usage
    provider, _, model_id = model.partition("/")
    return CallRecord(trial_id=t.trial_id, try_no=t.tries if try_no is None else try_no,
                      seq=seq, protocol="anthropic", provider=provider, model=model_id,
                      started_at=started_at + seq, first_byte_at=started_at + seq + 0.1,
                      ended_at=started_at + seq + 0.5, status=status, input=inp,
                      cache_read=cr, cache_write_5m=w5, cache_write_1h=w1, output=out,
                      reasoning=reasoning, tools_offered=tools, tool_digest=digest, error=error)


def make_job(job_dir: Path, *, variants: Iterable[VariantInfo],
             tasks: Mapping[str, Iterable[str]], trials: Iterable[TrialResult],
             calls: Iterable[CallRecord] = (),
             weights: Mapping[str, float] | None = None, index: str | None = "test@1",
             price_date: str | None = None, created_at: float = T0,
             index_date: str | None = None) -> Path:
    """A job directory with a store holding exactly these rows."""
    job_dir.mkdir(parents=True, exist_ok=True)
    store = Store.in_job(job_dir)
    try:
        store.set_meta("created_at", created_at)
        store.set_meta("index_definition", index)
        store.set_meta("index_weights", dict(weights) if weights else None)
        store.set_meta("index_date", index_date)
        store.set_meta("benchmarks", list(tasks))
        if price_date:
            store.set_meta("price_date", price_date)
        store.put_job_rows(variants, ({"benchmark": b, "task_digest": t, "task_name": t,
                                       "kind": "terminal", "path": "/x"}
                                      for b, ts in tasks.items() for t in ts))
        by_trial: dict[str, list[CallRecord]] = {}
        for c in calls:
            by_trial.setdefault(c.trial_id, []).append(c)
        for t in trials:
            store.commit_trial(t, by_trial.get(t.trial_id, []))
    finally:
        store.close()
    return job_dir
