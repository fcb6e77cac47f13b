"""The Executor contract: where a job's trials run. The job keeps its store (one writer); an
executor runs each trial somewhere and hands back the committed-trial payload, with the trial's
artifacts in a staging directory on the job's machine. The job then commits it."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from agentindex.errors import AgentIndexError
from agentindex.runner.plan import TrialOptions, TrialPlan
from agentindex.sandbox import Backend

if TYPE_CHECKING:  # the trial's lifecycle: imported by an executor when it runs trials
    from agentindex.runner.execute import FinishedTrial


@dataclass(frozen=True)
class JobContext:
    """What every executor needs to know of the job it runs trials for."""

    name: str
    job_dir: Path  # on the job's machine
    backend: Backend
    scratch: Path  # the job's working space on the job's machine
    agent_cache: Path
    plans: list[TrialPlan]  # the trials to run
    options: TrialOptions = field(default_factory=TrialOptions)  # how each trial runs


class TrialLost(AgentIndexError):
    """The executor lost a trial for good (e.g. every node that took it died): nothing of it is
    committed, and a re-run of the job runs it again."""


class TrialRunner(Protocol):
    async def run(self, plan: TrialPlan, staging: Path) -> FinishedTrial:
        """Run every try of the trial; on return its artifacts are in ``staging``, a directory
        on the job's machine. Raises :class:`TrialLost` when the trial could not be run."""
        ...


class Executor(Protocol):
    name: str

    def session(self, job: JobContext) -> contextlib.AbstractAsyncContextManager[TrialRunner]:
        """Set up what the job's trials share (a gateway, a cluster connection); torn down on
        exit, also when the job fails."""
        ...
