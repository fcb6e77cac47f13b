"""The local executor: trials run in this process, on this machine, with this machine's sandbox
backend, agent cache and one gateway for the job."""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agentindex.runner.executors.base import JobContext
from agentindex.runner.plan import TrialPlan, TrialSettings, agent_for
from agentindex.tasks.judge import judge_spec

if TYPE_CHECKING:
    from agentindex.runner.execute import FinishedTrial


@dataclass(frozen=True)
class _LocalRunner:
    settings: TrialSettings

    async def run(self, plan: TrialPlan, staging: Path) -> FinishedTrial:
        # the trial's lifecycle, imported with the first trial: a run with none never needs it
        from agentindex.runner.execute import execute_trial

        return await execute_trial(plan, self.settings, staging)


class LocalExecutor:
    name = "local"

    @contextlib.asynccontextmanager
    async def session(self, job: JobContext) -> AsyncIterator[_LocalRunner]:
        options = job.options
        settings = TrialSettings(job=job.name, backend=job.backend, scratch=job.scratch,
                                 agent_cache=job.agent_cache, options=options,
                                 environ=dict(os.environ))
        if options.verifier_tools and job.plans:
            from agentindex.runner.verifier_tools import provide_or_none

            pythons = frozenset(p.verifier_python for p in job.plans if p.verifier_python)
            settings = dataclasses.replace(
                settings, tools=await provide_or_none(job.agent_cache, pythons))
        async with contextlib.AsyncExitStack() as stack:
            if any(agent_for(p.variant).uses_model or judge_spec(p.task) for p in job.plans):
                from agentindex.gateway import Gateway  # aiohttp: only when a model is called

                gateway = await stack.enter_async_context(
                    Gateway(options.providers, trajectory_max_text=options.trajectory_max_text))
                settings = dataclasses.replace(settings, gateway=gateway)
            yield _LocalRunner(settings)
