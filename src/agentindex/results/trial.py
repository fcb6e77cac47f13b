"""One trial's result: what ``trials/<id>/result.json`` holds, what the store's ``trials`` row is
made from (its columns are derived from these fields), what the report reads and what a remote
worker sends back (it round-trips through ``model_dump_json`` / ``model_validate_json``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field

from agentindex.results.base import Record, UpgradeRefused, read_json_file, read_versioned
from agentindex.usage import Usage

TRIAL_FORMAT = "agentindex.trial/4"


class Tokens(Record):
    """Token counts as recorded (the on-disk form of :class:`agentindex.usage.Usage`);
    ``None`` means "not reported", never 0."""

    input: int | None = Field(default=None, description="uncached input tokens")
    cache_read: int | None = Field(default=None,
                                   description="input tokens read from the prompt cache")
    cache_write_5m: int | None = Field(default=None,
                                       description="input tokens written to the cache (5 min)")
    cache_write_1h: int | None = Field(default=None,
                                       description="input tokens written to the cache (1 h)")
    output: int | None = Field(default=None, description="generated tokens, reasoning included")
    reasoning: int | None = Field(default=None, description="the part of output spent on reasoning")

    @classmethod
    def of(cls, usage: Usage) -> Tokens:
        return cls(**usage.to_dict())

    def to_usage(self) -> Usage:
        return Usage(self.input, self.cache_read, self.cache_write_5m, self.cache_write_1h,
                     self.output, self.reasoning)


class SelfReportResult(Record):
    """Usage as the harness itself reported it; kept beside the gateway's, never trusted alone."""

    usage: Tokens = Field(description="tokens the harness says it used")
    cost_usd: float | None = Field(default=None, description="cost the harness states, if any")
    turns: int | None = Field(default=None, description="model turns the harness counts")
    duration_s: float | None = Field(default=None, description="duration the harness states")
    session_id: str | None = Field(default=None, description="the harness's session id")


class VariantInfo(Record):
    """A variant (agent × model × settings): one leaderboard row. Also the store's ``variants``
    row."""

    variant_key: str = Field(description="canonical JSON of agent, version, model and settings")
    label: str = Field(description="human name, e.g. 'Claude Code · claude-opus-4-7 (high)'")
    agent: str = Field(description="harness name, e.g. 'claude-code'")
    agent_version: str | None = Field(default=None, description="pinned harness version, if any")
    model: str | None = Field(default=None,
                              description="'provider/model'; None for agents without one")
    settings: dict[str, Any] = Field(default_factory=dict,
                                     description="variant settings, e.g. reasoning_effort")


class FailedTry(Record):
    """A try that failed and was retried (the policy decided); its calls still count as spend."""

    try_no: int = Field(description="1, 2, … within the trial")
    error_class: str = Field(description="the error class of the failure (errors.ErrorClass)")
    error_message: str | None = Field(default=None, description="what went wrong")
    started_at: float = Field(description="unix time the try started")
    finished_at: float = Field(description="unix time the try ended")


class SuspectedLeak(Record):
    """A command from the harness's own log that reached beyond the task's base commit (it may
    have read the fix from git history)."""

    command: str = Field(description="the command as the harness logged it")
    why: str = Field(description="what it reached, e.g. 'git log --all walks every ref'")


class TrialEnvironment(Record):
    """The environment a trial ran in, as far as its backend says (image backends) and any
    resource limit the run clamped to fit the machine (``--clamp-resources``)."""

    image: str | None = Field(default=None, description="the image reference the trial ran")
    image_id: str | None = Field(default=None, description="the image's content id")
    stand_in_for: str | None = Field(default=None, description=(
        "the benchmark's image this one stands in for (built here because that one cannot be "
        "pulled); None: the benchmark's own environment"))
    clamped: dict[str, list[float]] | None = Field(default=None, description=(
        "limit name (cpus, memory_mb) -> [asked, given] for each limit clamped to the machine"))


class TrialResult(Record):
    """A finished trial (variant × task × attempt), after every try the policy allowed."""

    format: str = Field(default=TRIAL_FORMAT, description="version of this document's shape")
    trial_id: str = Field(description="derived from variant, task digest and attempt")
    variant_key: str = Field(description="the variant's key (VariantInfo.variant_key)")
    variant: VariantInfo = Field(description="the variant that ran")
    benchmark: str = Field(description="the benchmark the trial was planned under")
    task_digest: str = Field(description="content digest of the task directory")
    task_name: str = Field(description="the task's name")
    task_path: str = Field(description="where the task directory was read from")
    attempt: int = Field(description="1, 2, … (repeats of the same variant and task)")
    reward: float | None = Field(description="the verifier's reward; None when it gave none")
    rewards: dict[str, float] | None = Field(default=None, description="every value of reward.json")
    error_class: str | None = Field(default=None,
                                    description="error class of the last try; None: clean")
    error_message: str | None = Field(default=None, description="what went wrong in the last try")
    score_as: str = Field(description="reward | zero | exclude: how the policy scores the trial")
    tries: int = Field(description="tries made (the last one is the trial's)")
    failed_tries: list[FailedTry] = Field(default_factory=list,
                                          description="the tries before the last, retried")
    agent_exit_code: int | None = Field(default=None, description="the agent process's exit code")
    agent_timed_out: bool = Field(default=False, description="the agent hit the task's timeout")
    started_at: float = Field(description="unix time the first try started")
    finished_at: float = Field(description="unix time the last try ended")
    install_s: float | None = Field(default=None,
                                    description="installing the agent (≈0 once cached)")
    env_s: float | None = Field(default=None, description="starting the environment")
    agent_s: float | None = Field(default=None, description="the agent phase, wall time")
    verify_s: float | None = Field(default=None, description="grading, wall time")
    self_report: SelfReportResult | None = Field(default=None,
                                                 description="the harness's own usage report")
    refused_tool_calls: int | None = Field(
        default=None, description="tool calls the harness's own command filter refused (seen in "
                                  "the trajectory); None: no trajectory was captured")
    self_report_error: str | None = Field(
        default=None, description="why the harness's self-report could not be parsed (the "
        "trial still went to its verifier); None when it was parsed or there was none")
    limits_not_enforced: list[str] = Field(
        default_factory=list, description="the task's limits (memory_mb, cpus) its backend "
        "could not enforce, run so with --allow-unenforced-limits; empty: all enforced")
    host: str | None = Field(default=None, description="the machine that ran the trial")
    node_id: str | None = Field(default=None, description="the Ray node that ran it; None when "
                                "the job's own process did (the local executor)")
    judge_model: str | None = Field(default=None, description=(
        "the model the verifier's judge ran on (provider/model); None: the task needs none"))
    answer_extracted: bool = Field(default=False, description=(
        "qna: the agent wrote no answer file; its final message was written there for grading"))
    suspected_leaks: list[SuspectedLeak] | None = Field(
        default=None, description="commands that reached beyond the base commit ([] none); "
                                  "None: not checked (not a patch task, or the harness kept no "
                                  "command log)")
    environment: TrialEnvironment | None = Field(default=None, description=(
        "the image it ran and any clamped limit; None: a backend without images, nothing clamped"))


def _from_trial_1(d: dict[str, Any]) -> dict[str, Any]:
    """trial/1 had no ``failed_tries``: a one-try trial has none; for a retried trial they
    were only in the store, so the upgrade cannot restore them."""
    if d.get("tries", 1) > 1:
        raise UpgradeRefused("a retried trial's failed tries were not in result.json; read the "
                             "trial from the job's store instead")
    return {**d, "failed_tries": []}


def _from_trial_2(d: dict[str, Any]) -> dict[str, Any]:
    """trial/2 had no judge (its verifier called no model, the agent's answer was its own) and
    no ``suspected_leaks`` (no command was checked: ``None``)."""
    return {**d, "judge_model": None, "answer_extracted": False, "suspected_leaks": None}


def _from_trial_3(d: dict[str, Any]) -> dict[str, Any]:
    """trial/3 did not record its environment (the image, a stand-in, clamped limits)."""
    return {**d, "environment": None}


def read_trial_result(data: Any, source: object) -> TrialResult:
    """A parsed ``result.json`` as a :class:`TrialResult`, upgraded from trial/1 or trial/2."""
    return read_versioned(TrialResult, data, source, TRIAL_FORMAT,
                          {"agentindex.trial/1": ("agentindex.trial/2", _from_trial_1),
                           "agentindex.trial/2": ("agentindex.trial/3", _from_trial_2),
                           "agentindex.trial/3": (TRIAL_FORMAT, _from_trial_3)})


def load_trial_result(path: Path) -> TrialResult:
    return read_trial_result(read_json_file(path), path)
