"""The report: what ``report.json`` holds (a contract other tools read) and what the table, the
CSV, the HTML page and ``agentindex view`` render. A figure not measured is ``None`` (JSON
``null``), never invented."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field

from agentindex.results.base import Record, read_json_file, read_versioned

REPORT_FORMAT = "agentindex.report/8"


class TokenFigures(Record):
    """Tokens by kind. ``input`` is uncached input; ``total`` = input + cache_read +
    cache_write + output (reasoning is inside output). ``None``: no call reported the field."""

    input: float | None = Field(description="uncached input tokens")
    cache_read: float | None = Field(description="input tokens read from the prompt cache")
    cache_write: float | None = Field(description="input tokens written to the cache (any TTL)")
    output: float | None = Field(description="output tokens, reasoning included")
    reasoning: float | None = Field(description="the part of output spent on reasoning")
    total: float | None = Field(description="input + cache_read + cache_write + output")


class TokenSums(Record):
    """Summed tokens by kind (same fields as :class:`TokenFigures`, whole numbers)."""

    input: int | None = Field(description="uncached input tokens")
    cache_read: int | None = Field(description="input tokens read from the prompt cache")
    cache_write: int | None = Field(description="input tokens written to the cache (any TTL)")
    output: int | None = Field(description="output tokens, reasoning included")
    reasoning: int | None = Field(description="the part of output spent on reasoning")
    total: int | None = Field(description="input + cache_read + cache_write + output")


class BenchmarkFigures(Record):
    """One variant on one benchmark."""

    score: float | None = Field(description="mean over tasks of the mean reward over attempts")
    ci95: list[float] | None = Field(description="bootstrap 95% interval [low, high] of score")
    pass_at_k: dict[str, float | None] | None = Field(
        description="k -> unbiased pass@k, for every k the attempts allow")
    tasks: int = Field(description="tasks in the benchmark")
    trials: int = Field(description="trials of this variant on the benchmark")
    errored: int = Field(description="of those, trials that ended with an error class")
    stand_in_trials: int = Field(default=0, description=(
        "of those, trials that ran in a stand-in image, not the benchmark's own environment"))


class ReconciliationSide(Record):
    """One side of the reconciliation: summed tokens and cost."""

    tokens: TokenSums = Field(description="Σ tokens over the compared trials")
    cost_usd: float | None = Field(description="Σ cost; None if any term is unknown")


class Reconciliation(Record):
    """The gateway's count beside the harness's own report, over the trials that have both."""

    trials: int = Field(description="trials with both a gateway count and a self-report")
    gateway: ReconciliationSide = Field(description="what the gateway metered")
    self_report: ReconciliationSide = Field(description="what the harness reported")
    difference: ReconciliationSide = Field(description="self-report − gateway, per field")
    rule: str = Field(default="unexplained", description=(
        "the named rule that explains the difference in every compared trial: 'exact' (none), "
        "'title-side-call' (the self-report leaves out the side calls, e.g. OpenCode's session "
        "title), or 'unexplained'"))


class VariantFigures(Record):
    """One leaderboard row: every figure of one variant."""

    label: str = Field(description="unique in the report; shows the settings that tell "
                                   "variants with the same name apart")
    variant_key: str | None = Field(default=None,
                                    description="the variant's key in its job's store")
    agent: str | None = Field(description="harness name")
    agent_version: str | None = Field(description="pinned harness version")
    model: str | None = Field(description="'provider/model', as requested")
    provider_model: str | None = Field(default=None, description="'provider/model' as the "
                                       "provider's API is sent it: ``model`` unless an alias "
                                       "(data/model_aliases.toml) maps it")
    settings: dict[str, Any] = Field(description="variant settings, e.g. reasoning_effort")
    index: float | None = Field(description="weighted mean of benchmark scores × 100")
    index_ci95: list[float] | None = Field(description="bootstrap 95% interval of index")
    benchmarks: dict[str, BenchmarkFigures] = Field(description="benchmark ref -> figures")
    trials: int = Field(description="trials of the variant")
    errored: int = Field(description="trials that ended with an error class")
    errors_by_class: dict[str, int] = Field(description="error class -> trials")
    limits_not_enforced: int = Field(default=0, description="trials run with task limits "
                                     "(memory, cpus) their backend could not enforce")
    refused_tool_calls: int | None = Field(default=None, description=(
        "Σ tool calls the harness's own command filter refused, over trials whose conversation "
        "was captured (None: none was)"))
    cost_per_task_usd: float | None = Field(description="mean over scored trials of Σ call prices")
    price_unknown: list[str] | None = Field(description="models with no known price, if any")
    tokens_per_task: TokenFigures | None = Field(description="mean tokens per scored trial")
    cache_hit_rate: float | None = Field(description="Σ cache read / Σ all input, over calls")
    turns_per_task: float | None = Field(description="mean agent calls (offering tools) per task")
    side_calls_per_task: float | None = Field(description="mean side calls (no tools) per task")
    loop_rate: float | None = Field(description="share of trials whose agent looped")
    tokens_in_loops_per_task: float | None = Field(description="mean tokens spent inside loops")
    usage_source: str | None = Field(description="'gateway' or 'self-report': where usage came "
                                                  "from")
    reconciliation: Reconciliation | None = Field(description="gateway vs self-report")
    time_per_task_s: float | None = Field(description="mean agent-phase wall time")
    env_time_per_task_s: float | None = Field(description="mean environment start time")
    verify_time_per_task_s: float | None = Field(description="mean grading time")
    spend_total_usd: float | None = Field(description="Σ price of every agent call, "
                                                      "interrupted ones included (None: no call "
                                                      "reported usage, or a price is unknown)")
    spend_failed_usd: float | None = Field(description="Σ price of calls of retried tries and "
                                                       "errored trials (None: not measured)")
    spend_retried_usd: float | None = Field(description="Σ price of calls of retried tries, "
                                                        "and of results a re-run replaced")
    interrupted_calls: int | None = Field(default=None, description=(
        "agent calls of tries a kill interrupted, kept when the job resumed (None: not counted)"))
    interrupted_spend_usd: float | None = Field(default=None, description=(
        "Σ price of those calls, in spend_total_usd (None: no such call, or not measured)"))
    pareto_optimal: bool | None = Field(default=None, description="on the index-vs-cost frontier")
    grading_cost_per_task_usd: float | None = Field(default=None, description=(
        "mean over scored trials with a judge of Σ judge-call prices (not in cost_per_task_usd);"
        " None: no such trial"))
    grading_calls_per_task: float | None = Field(default=None, description=(
        "mean judge calls per scored trial with a judge"))
    grading_spend_usd: float | None = Field(default=None, description=(
        "Σ price of every judge call: every try's, those of tries a kill interrupted and of "
        "results a re-run replaced (not in spend_total_usd; None: no judge call, or not "
        "measured)"))
    judge_models: list[str] = Field(default_factory=list,
                                    description="the judge models its trials were graded by")
    answers_extracted: int = Field(default=0, description=(
        "qna trials whose answer was taken from the agent's final message (no answer file)"))
    suspected_leak_rate: float | None = Field(
        default=None, description="trials with a command that reached beyond the base commit / "
                                  "trials whose commands were checked; None: none was checked "
                                  "(no patch task, or the harness kept no command log)")
    suspected_leak_trials: list[str] = Field(default_factory=list,
                                             description="ids of the trials flagged, sorted")


class CIMethod(Record):
    """How the confidence intervals were computed."""

    method: str = Field(description="the bootstrap used")
    level: float = Field(description="confidence level")
    resamples: int = Field(description="bootstrap resamples")
    seed: int = Field(description="base seed (each variant seeds with its key)")


class Report(Record):
    """A leaderboard over one or more jobs."""

    format: str = Field(default=REPORT_FORMAT, description="version of this document's shape")
    agentindex_version: str = Field(description="the agentindex that built the report")
    job: str = Field(description="job names, comma separated")
    jobs: list[str] = Field(description="the job directories' names")
    index_definition: str | None = Field(description="e.g. 'coding-agent-index@1'; None: no index")
    index_date: str | None = Field(default=None, description="when the index definition took "
                                   "effect (YYYY-MM-DD); None: no index, or it names no date")
    index_weights: dict[str, float] | None = Field(description="benchmark -> weight in the index")
    price_date: str = Field(description="the date calls were priced at (YYYY-MM-DD)")
    price_sources: dict[str, str] = Field(description="model -> the price sheet that priced it")
    ci: CIMethod = Field(description="how intervals were computed")
    generated_at: str = Field(description="ISO time the report was built")
    benchmarks: list[str] = Field(description="benchmark refs, in the index definition's order")
    benchmark_labels: dict[str, str] = Field(default_factory=dict, description=(
        "benchmark ref -> how the definition names it in reports, e.g. "
        "'SWE-Bench-Pro-Hard (agentindex rule)'"))
    judge_models: list[str] = Field(default_factory=list, description=(
        "the judges of tasks whose verifier calls a model; their calls are priced at "
        "price_date as grading, apart from the agents'"))
    pareto_frontier: list[str] = Field(description="labels on the frontier, by increasing cost")
    variants: list[VariantFigures] = Field(description="one row per variant, by label")
    excluded_tasks: dict[str, dict[str, str]] = Field(default_factory=dict, description=(
        "tasks left out by `run --valid-only`: benchmark -> task -> 'class: reason'"))


def _from_report_2(d: dict[str, Any]) -> dict[str, Any]:
    """report/2 lacked ``variant_key`` and the reconciliation ``rule``: the rule was never
    computed, so it is 'unexplained'; the key stays unknown (null)."""
    variants = []
    for v in d.get("variants", []):
        v = {**v, "variant_key": v.get("variant_key")}
        if v.get("reconciliation"):
            v["reconciliation"] = {**v["reconciliation"], "rule": "unexplained"}
        variants.append(v)
    return {**d, "variants": variants}


def _from_report_3(d: dict[str, Any]) -> dict[str, Any]:
    """report/3 had no judges, no benchmark labels, no index date and no answer-leak figures:
    nothing was graded by a model (no grading spend: null; no extracted answers), the date is
    unknown (null), the leak rate unmeasured (null) and no trial flagged."""
    variants = [{**v, "grading_cost_per_task_usd": None, "grading_calls_per_task": None,
                 "judge_models": [], "answers_extracted": 0, "suspected_leak_rate": None,
                 "suspected_leak_trials": []} for v in d.get("variants", [])]
    return {**d, "benchmark_labels": {}, "judge_models": [], "index_date": None,
            "variants": variants}


def _from_report_4(d: dict[str, Any]) -> dict[str, Any]:
    """report/4 had no stand-in images and no validity manifests: no trial ran in a stand-in
    and no task was left out as invalid."""
    variants = [{**v, "benchmarks": {ref: {**b, "stand_in_trials": 0}
                                     for ref, b in (v.get("benchmarks") or {}).items()}}
                for v in d.get("variants", [])]
    return {**d, "excluded_tasks": {}, "variants": variants}


def _from_report_5(d: dict[str, Any]) -> dict[str, Any]:
    """report/5 did not sum the tool calls harnesses refused: not measured there."""
    return {**d, "variants": [{**v, "refused_tool_calls": None} for v in d.get("variants", [])]}


def _from_report_6(d: dict[str, Any]) -> dict[str, Any]:
    """report/6 did not count the calls of tries a kill interrupted: not measured there."""
    return {**d, "variants": [{**v, "interrupted_calls": None, "interrupted_spend_usd": None}
                              for v in d.get("variants", [])]}


def _from_report_7(d: dict[str, Any]) -> dict[str, Any]:
    """report/7 did not sum the judge's spend over all its calls: not measured there."""
    return {**d, "variants": [{**v, "grading_spend_usd": None} for v in d.get("variants", [])]}


def read_report(data: Any, source: object) -> Report:
    """A parsed ``report.json`` as a :class:`Report`, upgraded from any earlier report/N (N ≥ 2)."""
    return read_versioned(Report, data, source, REPORT_FORMAT,
                          {"agentindex.report/2": ("agentindex.report/3", _from_report_2),
                           "agentindex.report/3": ("agentindex.report/4", _from_report_3),
                           "agentindex.report/4": ("agentindex.report/5", _from_report_4),
                           "agentindex.report/5": ("agentindex.report/6", _from_report_5),
                           "agentindex.report/6": ("agentindex.report/7", _from_report_6),
                           "agentindex.report/7": (REPORT_FORMAT, _from_report_7)})


def load_report_file(path: Path) -> Report:
    return read_report(read_json_file(path), path)
