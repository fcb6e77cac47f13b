"""A try's route through the gateway: its own token and URL, and every call it made, written to
``calls.jsonl`` as each call ends and kept for the trial's commit."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agentindex.gateway import CallRecord, ScriptedContext
from agentindex.tasks.model import Task

if TYPE_CHECKING:
    from agentindex.gateway import Gateway, TrialRoute


@dataclass
class Metering:
    gateway: Gateway
    route: TrialRoute
    calls: list[CallRecord] = field(default_factory=list)

    def close(self) -> None:
        """Revoke the try's token: once the agent has stopped, nothing in the sandbox (the
        verifier included) can make a call billed to the trial."""
        self.gateway.close_trial(self.route.token)


def provider_context(gateway: Gateway, model: str, task: Task) -> ScriptedContext | None:
    """What the model's provider may know of the task. Only ``scripted/*`` models (test doubles)
    get anything: the reference solution (so ``scripted/oracle`` can carry it out with the
    harness's own shell tool) and the instruction. A real model's trial never reads
    ``solve.sh``."""
    spec = gateway.providers.get(model.partition("/")[0])
    if spec is None or spec.kind != "scripted":
        return None
    solve = task.solution_dir / "solve.sh"
    return ScriptedContext(solution=solve.read_text() if solve.is_file() else None,
                           instruction=task.instruction)


@contextlib.asynccontextmanager
async def metered(gateway: Gateway, trial_id: str, try_no: int, model: str, task: Task,
                  calls_file: Path, netns: Path | None = None, *, phase: str = "agent",
                  first_seq: int = 1) -> AsyncIterator[Metering]:
    """Open the try's route (reachable from inside ``netns`` when given); close it after, so a
    process that outlived the try can make no further call. ``phase`` marks its calls (a
    verifier's judge gets a ``grading`` route of its own, numbered after the agent's calls)."""
    calls_file.parent.mkdir(parents=True, exist_ok=True)
    with calls_file.open("a", encoding="utf-8") as out:
        metering: Metering | None = None

        def sink(record: CallRecord) -> None:
            assert metering is not None
            metering.calls.append(record)
            out.write(record.to_json() + "\n")
            out.flush()

        route = gateway.open_trial(trial_id, try_no, model=model, sink=sink,
                                   context=provider_context(gateway, model, task), phase=phase,
                                   first_seq=first_seq)
        metering = Metering(gateway, route)
        try:
            if netns is None:
                yield metering
            else:
                async with gateway.reachable_in(netns) as url:
                    metering.route = dataclasses.replace(
                        route, base_url=route.base_url.replace(gateway.url, url, 1))
                    yield metering
        finally:
            gateway.close_trial(route.token)
