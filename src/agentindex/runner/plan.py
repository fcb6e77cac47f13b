"""A planned trial, the options every trial of a job shares and the settings it runs with: what
the job expands to and what an executor is handed. Kept apart from the trial's lifecycle
(``runner/trial.py``), whose imports (sandbox internals, gateway, metering, history: ~25 ms) a
run with nothing left to do never needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agentindex.agents import Agent, get_agent
from agentindex.runner.policy import Policy
from agentindex.runner.variants import Variant
from agentindex.runner.verify import Expectations
from agentindex.sandbox import Backend, Network
from agentindex.sandbox.internet import internet_allowed
from agentindex.tasks.model import Task

if TYPE_CHECKING:
    from agentindex.gateway import Gateway, ProvidersConfig
    from agentindex.runner.verifier_tools import VerifierTools


@dataclass(frozen=True)
class TrialPlan:
    trial_id: str
    variant: Variant
    task: Task
    benchmark: str
    attempt: int
    score_key: str | None = None  # the benchmark's reward.json key that is the score
    seal_history: bool = False  # patch tasks: only the base commit's history before the agent
    expect: Expectations = field(default_factory=Expectations)  # evidence, reward range
    verifier_python: str | None = None  # the Python the tests ask uv for (verifier_python.py)


def network_for(task: Task, agent: Agent, internet: bool | None = None,
                judged: bool = False) -> Network:
    """Internet off (the agent phase's setting, or ``internet`` when the run overrides it): an
    agent that uses a model, or a task whose verifier calls a judge (``judged``), reaches only
    the gateway; others nothing."""
    if internet_allowed(task, "agent", internet) is False:
        return Network.GATEWAY if agent.uses_model or judged else Network.NONE
    return Network.HOST  # the gateway is on the host's loopback


@dataclass(frozen=True)
class TrialOptions:
    """How every trial of a job runs: the run's choices, declared once. Plain data: the job holds
    it, each executor passes it on as it is (to a Ray worker too: provider key *names*, never a
    key), and each trial reads it from its :class:`TrialSettings`."""

    policy: Policy = field(default_factory=Policy.with_overrides)  # retries, how errors score
    timeout_multiplier: float = 1.0
    internet: bool | None = None  # overrides every task's allow_internet when set
    providers: ProvidersConfig | None = None  # the gateway's providers (None: built-in)
    # Run a task whose memory/cpu limits the backend cannot enforce (recorded on the trial)
    # instead of refusing it.
    allow_unenforced_limits: bool = False
    judge_model: str | None = None  # --judge-model: overrides the judge model tasks name
    trajectories: bool = True  # capture each call's conversation (trajectory.jsonl)
    trajectory_max_text: int = 16384  # characters of one message or tool result kept
    clamp_resources: bool = False  # run a task asking more than the machine has, clamped
    verifier_tools: bool = False  # provide uv/uvx where TB2's test.sh looks, per machine


@dataclass(frozen=True)
class TrialSettings:
    """What a trial is run with on the machine that runs it: the job's options and that
    machine's backend, working space, agent cache, environment and gateway."""

    job: str
    backend: Backend
    scratch: Path
    agent_cache: Path
    options: TrialOptions = field(default_factory=TrialOptions)
    environ: Mapping[str, str] | None = None
    gateway: Gateway | None = None  # started by the job when a variant uses a model
    node_id: str | None = None  # the Ray node this process runs on (None: not a Ray worker)
    tools: VerifierTools | None = None  # this machine's uv/uvx, when options.verifier_tools


def agent_for(variant: Variant) -> Agent:
    return get_agent(f"{variant.agent}@{variant.agent_version}" if variant.agent_version
                     else variant.agent)
