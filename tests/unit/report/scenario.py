"""One hand-computed job: three variants on two benchmarks (2 + 1 tasks).

- Builtin (scripted/oracle priced as claude-sonnet-4-5; every call 1200 uncached + 3400 cache read
  + 560 cache write (5 m) + 78 output = 5238 tokens, 0.00789 USD):
  t1 reward 1: 2 agent calls + 1 side call; t2 reward 0: 3 agent calls, all ``ls`` (a loop);
  t3 reward 1 on its 2nd try: 1 call, and 1 call in the retried 1st try (upstream error).
- Claude (an unknown model, each trial 1 call of 100 input + 10 output) with self-reports.
- Nop: no model, no calls, no self-report.
"""

from __future__ import annotations

from pathlib import Path

from agentindex.results import FailedTry
from tests.unit.report.jobstore import T0, call, make_job, trial, variant

SONNET = "scripted/oracle?price=anthropic/claude-sonnet-4-5"
UNKNOWN = "anthropic/no-such-model"
TASKS = {"b1": ["t1", "t2"], "b2": ["t3"]}


def scenario_job(job_dir: Path, price_date: str | None = "2026-05-01") -> Path:
    builtin = variant("Builtin", "builtin", SONNET)
    claude = variant("Claude", "claude-code", UNKNOWN)
    nop = variant("Nop", "nop", None)
    b1 = trial(builtin, "t1", reward=1.0)
    b2 = trial(builtin, "t2", reward=0.0, agent_s=20.0)
    b3 = trial(builtin, "t3", reward=1.0, tries=2, agent_s=30.0,
               failed=[FailedTry(try_no=1, error_class="upstream", error_message="503",
                                 started_at=T0, finished_at=T0 + 1)])
    calls = [call(b1, 1, SONNET, digest="read"), call(b1, 2, SONNET, tools=False),
             call(b1, 3, SONNET, digest="edit"),
             *(call(b2, s, SONNET, digest="ls") for s in (1, 2, 3)),
             call(b3, 1, SONNET, try_no=1, digest="x"), call(b3, 1, SONNET, digest="done")]
    report = {"usage": {"input": 100, "cache_read": 0, "output": 12}, "cost_usd": 0.01,
              "turns": 1}
    c_trials = [trial(claude, t, reward=r, self_report=report)
                for t, r in (("t1", 1.0), ("t2", 1.0), ("t3", 0.0))]
    calls += [call(t, 1, UNKNOWN, usage=(100, 0, 0, 0, 10, None), digest="a") for t in c_trials]
    n_trials = [trial(nop, t, reward=0.0) for t in ("t1", "t2", "t3")]
    return make_job(job_dir, variants=[builtin, claude, nop], tasks=TASKS,
                    trials=[b1, b2, b3, *c_trials, *n_trials], calls=calls,
                    weights={"b1": 1.0, "b2": 1.0}, price_date=price_date)
