"""One leaderboard row of the report: every figure of one variant (a ``VariantFigures``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import mean
from typing import Any

from agentindex.metrics.bootstrap import SEED, BootstrapCIs, Interval, clustered_bootstrap
from agentindex.metrics.cost import CostSum, Pricer
from agentindex.metrics.loops import loop_rate
from agentindex.metrics.reconcile import Pair, reconcile, self_report_usage
from agentindex.metrics.scores import (
    benchmark_pass_at_k,
    benchmark_score,
    index_score,
    task_means,
    trial_value,
)
from agentindex.metrics.tokens import TokenMix, cache_hit_rate, sum_usage, tokens_per_task
from agentindex.metrics.trials import TrialCalls
from agentindex.model_aliases import provider_model
from agentindex.results import SelfReportResult, TrialResult, VariantInfo
from agentindex.results.report import (
    BenchmarkFigures,
    Reconciliation,
    ReconciliationSide,
    TokenFigures,
    TokenSums,
    VariantFigures,
)
from agentindex.usage import Usage


@dataclass
class VariantInput:
    """A variant, the benchmarks (ref -> task digests), the index weights, and its trials
    with their last try's calls and the spend of their retried tries."""

    row: VariantInfo
    benches: dict[str, set[str]]
    weights: dict[str, float] | None
    trials: list[TrialResult] = field(default_factory=list)
    calls: dict[str, TrialCalls] = field(default_factory=dict)
    retried: dict[str, CostSum] = field(default_factory=dict)
    grading: dict[str, TrialCalls] = field(default_factory=dict)
    interrupted: list[TrialCalls] = field(default_factory=list)  # per trial, tries a kill cut
    grading_spend: dict[str, CostSum] = field(default_factory=dict)  # trial id -> all judge calls

    def add(self, t: TrialResult, calls: TrialCalls | None, retried: CostSum | None,
            grading: TrialCalls | None = None) -> None:
        self.trials.append(t)
        if calls is not None:
            self.calls[t.trial_id] = calls
        if retried is not None:
            self.retried[t.trial_id] = retried
        if grading is not None:
            self.grading[t.trial_id] = grading


def variant_report(v: VariantInput, pricer: Pricer, label: str | None = None) -> VariantFigures:
    """The variant's figures; ``label`` overrides its stored label (to keep labels unique)."""
    row = v.row
    values = _values(v)
    scores = {ref: benchmark_score(vals) for ref, vals in values.items()}
    index = index_score(scores, v.weights) if v.weights else None
    cis = _cis(v, values, index)
    counted = [t for t in v.trials if trial_value(t.reward, t.score_as) is not None]
    return VariantFigures(
        label=label or row.label, variant_key=row.variant_key, agent=row.agent,
        agent_version=row.agent_version, model=row.model, settings=row.settings,
        index=_round(index, 2), index_ci95=_interval(cis.index, 2),
        benchmarks={ref: _benchmark(v, ref, vals, cis) for ref, vals in values.items()},
        trials=len(v.trials), errored=sum(t.error_class is not None for t in v.trials),
        errors_by_class=_errors(v.trials),
        limits_not_enforced=sum(bool(t.limits_not_enforced) for t in v.trials),
        refused_tool_calls=_sum_known([t.refused_tool_calls for t in v.trials]),
        provider_model=provider_model(row.model) if row.model else None,
        **_economics(v, counted, pricer),
        **_grading(v, counted, pricer),
        time_per_task_s=_mean_of([t.agent_s for t in counted], 3),
        env_time_per_task_s=_mean_of([t.env_s for t in counted], 3),
        verify_time_per_task_s=_mean_of([t.verify_s for t in counted], 3),
        **_spend(v, pricer), **leak_summary(v.trials))


def _sum_known(values: list[int | None]) -> int | None:
    """The sum of the measured values; None when none was measured."""
    known = [x for x in values if x is not None]
    return sum(known) if known else None


def leak_summary(trials: list[TrialResult]) -> dict[str, Any]:
    """``suspected_leak_rate``: flagged trials / trials whose commands were checked (``None`` when
    none was: the harness kept no command log); ``suspected_leak_trials``: their ids."""
    checked = [t for t in trials if t.suspected_leaks is not None]
    flagged = sorted(t.trial_id for t in checked if t.suspected_leaks)
    return {"suspected_leak_rate": round(len(flagged) / len(checked), 4) if checked else None,
            "suspected_leak_trials": flagged}


Values = list[tuple[str, float | None]]  # (task digest, what the trial contributes)


def _values(v: VariantInput) -> dict[str, Values]:
    return {ref: [(t.task_digest, trial_value(t.reward, t.score_as))
                  for t in v.trials if t.task_digest in digests]
            for ref, digests in v.benches.items()}


def _benchmark(v: VariantInput, ref: str, values: Values, cis: BootstrapCIs) -> BenchmarkFigures:
    """Score, pass@k for every k the attempts allow, the interval and the counts."""
    attempts: dict[str, int] = defaultdict(int)
    for task, value in values:
        attempts[task] += value is not None
    top = min(attempts.values()) if attempts else 0
    pass_k = {str(k): _round(benchmark_pass_at_k(values, k), 4) for k in range(1, top + 1)}
    mine = [t for t in v.trials if t.task_digest in v.benches[ref]]
    return BenchmarkFigures(score=_round(benchmark_score(values), 4),
                            ci95=_interval(cis.benchmarks.get(ref), 4),
                            pass_at_k=pass_k or None, tasks=len(v.benches[ref]),
                            trials=len(mine),
                            errored=sum(t.error_class is not None for t in mine),
                            stand_in_trials=sum(bool(t.environment and t.environment.stand_in_for)
                                                for t in mine))


def _cis(v: VariantInput, values: dict[str, Values], index: float | None) -> BootstrapCIs:
    """Bootstrap intervals, seeded per variant (so a variant's bounds do not depend on which
    other variants are in the report)."""
    means = {ref: task_means(vals) for ref, vals in values.items()}
    ordered = {ref: [m[d] for d in sorted(m)] for ref, m in means.items() if m}
    return clustered_bootstrap(ordered, v.weights if index is not None else None,
                               seed=f"{SEED}:{v.row.variant_key}")


def _interval(iv: Interval | None, digits: int) -> list[float] | None:
    return None if iv is None else [round(iv.low, digits), round(iv.high, digits)]


_NO_ECONOMICS: dict[str, Any] = {
    "cost_per_task_usd": None, "price_unknown": None, "tokens_per_task": None,
    "cache_hit_rate": None, "turns_per_task": None, "side_calls_per_task": None,
    "loop_rate": None, "tokens_in_loops_per_task": None, "usage_source": None,
    "reconciliation": None}


def _economics(v: VariantInput, counted: list[TrialResult], pricer: Pricer) -> dict[str, Any]:
    """Tokens, cost, cache, turns and loops from the gateway; from self-reports if the gateway
    saw no call of this variant (``usage_source`` says which)."""
    seen = [v.calls[t.trial_id] for t in counted if t.trial_id in v.calls]
    reports = [t.self_report for t in counted if t.self_report is not None]
    if seen and counted:
        n = len(counted)
        usages = [v.calls[t.trial_id].usage if t.trial_id in v.calls else Usage()
                  for t in counted]
        cost = CostSum()
        for s in seen:
            cost.merge(s.cost)
        total = pricer.total(cost)
        return {**_NO_ECONOMICS,
                "cost_per_task_usd": None if total is None else _usd(total / n),
                "price_unknown": sorted(cost.unknown) or None,
                "tokens_per_task": _mix(tokens_per_task(usages)),
                "cache_hit_rate": _round(cache_hit_rate(sum_usage(usages)), 4),
                "turns_per_task": _round(sum(s.agent_calls for s in seen) / n, 3),
                "side_calls_per_task": _round(sum(s.side_calls for s in seen) / n, 3),
                "loop_rate": _round(loop_rate([s.looped for s in seen]
                                              + [False] * (n - len(seen))), 4),
                "tokens_in_loops_per_task": _round(sum(s.loop_tokens for s in seen) / n, 1),
                "usage_source": "gateway",
                "reconciliation": _reconciliation(v, pricer)}
    if reports and len(reports) == len(counted):
        return {**_NO_ECONOMICS, **_from_self_reports(reports), "usage_source": "self-report"}
    return _NO_ECONOMICS


def _grading(v: VariantInput, counted: list[TrialResult], pricer: Pricer) -> dict[str, Any]:
    """The judge's spend, apart from the agent's (the index's cost is the agent's, as AA
    reports it): mean over the counted trials that had a judge (None when none had one), and
    the sum over every judge call of the variant's trials."""
    judged = [t for t in counted if t.judge_model is not None]
    out: dict[str, Any] = {"grading_cost_per_task_usd": None, "grading_calls_per_task": None,
                           "judge_models": sorted({t.judge_model for t in v.trials
                                                   if t.judge_model is not None}),
                           "answers_extracted": sum(t.answer_extracted for t in v.trials),
                           "grading_spend_usd": None}
    if v.grading_spend:
        spent = CostSum()
        for c in v.grading_spend.values():
            spent.merge(c)
        out["grading_spend_usd"] = _usd(pricer.total(spent))
    if not judged:
        return out
    cost = CostSum()
    calls = 0
    for t in judged:
        if t.trial_id in v.grading:
            cost.merge(v.grading[t.trial_id].cost)
            calls += v.grading[t.trial_id].calls
    total = pricer.total(cost)
    out["grading_cost_per_task_usd"] = None if total is None else _usd(total / len(judged))
    out["grading_calls_per_task"] = _round(calls / len(judged), 3)
    return out


def _from_self_reports(reports: list[SelfReportResult]) -> dict[str, Any]:
    """Figures from the harnesses' own reports alone (cost only if every one states it)."""
    n = len(reports)
    usages = [self_report_usage(r) for r in reports]
    costs = [r.cost_usd for r in reports]
    turns: list[float | None] = [r.turns for r in reports]
    return {"cost_per_task_usd": _sum_or_none(costs, n, 6),
            "tokens_per_task": _mix(tokens_per_task(usages)),
            "cache_hit_rate": _round(cache_hit_rate(sum_usage(usages)), 4),
            "turns_per_task": _sum_or_none(turns, n, 3)}


def _sum_or_none(values: list[float | None], n: int, digits: int) -> float | None:
    """Σ values / n, or ``None`` if any value is missing."""
    present = [x for x in values if x is not None]
    return None if len(present) < len(values) else _round(sum(present) / n, digits)


def _reconciliation(v: VariantInput, pricer: Pricer) -> Reconciliation | None:
    pairs = [Pair(c.usage, pricer.total(c.cost), t.self_report, c.side_usage) for t in v.trials
             if (c := v.calls.get(t.trial_id)) is not None]
    r = reconcile(pairs)
    if r is None:
        return None

    def side(usage: Usage, cost: float | None) -> ReconciliationSide:
        return ReconciliationSide(tokens=_usage_figures(usage), cost_usd=_round(cost, 6))

    return Reconciliation(trials=r.trials, gateway=side(r.gateway.usage, r.gateway.cost_usd),
                          self_report=side(r.self_report.usage, r.self_report.cost_usd),
                          difference=side(r.difference.usage, r.difference.cost_usd),
                          rule=r.rule)


def _spend(v: VariantInput, pricer: Pricer) -> dict[str, Any]:
    """Σ price over every call of the variant (``spend_total_usd``), the calls of tries a kill
    interrupted included; over the retried tries (``spend_retried_usd``); over those and the
    last tries of errored trials (``spend_failed_usd``); over the interrupted tries alone
    (``interrupted_spend_usd``, with ``interrupted_calls``). ``None`` where a model's price is
    unknown, nothing was called, or calls were made and none of them reported usage (nothing
    was measured)."""
    total, failed, retried, interrupted = CostSum(), CostSum(), CostSum(), CostSum()
    for calls in v.interrupted:
        interrupted.merge(calls.cost)
    total.merge(interrupted)
    cut = {"interrupted_calls": sum(c.calls for c in v.interrupted),
           "interrupted_spend_usd": _usd(pricer.total(interrupted)) if v.interrupted else None}
    any_call = bool(v.retried) or bool(v.interrupted)
    for t in v.trials:
        last = v.calls.get(t.trial_id)
        if last is not None:
            any_call = True
            total.merge(last.cost)
            if t.error_class is not None:
                failed.merge(last.cost)
        if (r := v.retried.get(t.trial_id)) is not None:
            for acc in (total, failed, retried):
                acc.merge(r)
    if not any_call:
        return {"spend_total_usd": None, "spend_failed_usd": None, "spend_retried_usd": None,
                **cut}
    return {"spend_total_usd": _usd(pricer.total(total)),
            "spend_failed_usd": _usd(pricer.total(failed)),
            "spend_retried_usd": _usd(pricer.total(retried)), **cut}


def _mix(m: TokenMix | None) -> TokenFigures | None:
    if m is None:
        return None
    return TokenFigures(input=_round(m.input, 1), cache_read=_round(m.cache_read, 1),
                        cache_write=_round(m.cache_write, 1), output=_round(m.output, 1),
                        reasoning=_round(m.reasoning, 1), total=_round(m.total, 1))


def _usage_figures(u: Usage) -> TokenSums:
    return TokenSums(input=u.input, cache_read=u.cache_read, cache_write=u.cache_write,
                        output=u.output, reasoning=u.reasoning, total=u.total)


def _errors(trials: list[TrialResult]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for t in trials:
        if t.error_class:
            counts[t.error_class] += 1
    return dict(sorted(counts.items()))


def _mean_of(values: list[float | None], digits: int) -> float | None:
    present = [x for x in values if x is not None]
    return _round(mean(present), digits) if present else None


def _usd(x: Decimal | None) -> float | None:
    return None if x is None else _round(float(x), 6)


def _round(x: float | None, digits: int) -> float | None:
    return None if x is None else round(x, digits)
