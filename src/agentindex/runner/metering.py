"""A try's route through the gateway: its own token and URL, and every call it made, written to
``calls.jsonl`` as each call ends and kept for the trial's commit; with capture on, the
conversation events of each call go to ``trajectory.jsonl``."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from agentindex.gateway import CallRecord, ScriptedContext
from agentindex.gateway.transcript.recorder import TrajEvent
from agentindex.results.trajectory import ToolCallEvent, ToolResultEvent, event_line, header_line
from agentindex.runner.history import tool_command
from agentindex.tasks.model import Task

if TYPE_CHECKING:
    from agentindex.gateway import Gateway, TrialRoute


class _TrajectoryFile:
    """``trajectory.jsonl`` of one try: the header, then each call's events as it ends."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._out.write(header_line() + "\n")
        self.lines = 1
        self.refused = 0
        self.commands: list[str] = []  # the shell commands the model asked for, in order

    def write(self, events: list[TrajEvent]) -> int | None:
        """Append ``events``; the line number of the first (None when there are none, or when
        the try is over: a call still streaming when the run was stopped ends after its files
        were closed, and is not the try's any more)."""
        if not events or self._out.closed:
            return None
        first = self.lines + 1
        self._out.write("".join(event_line(e) + "\n" for e in events))
        self._out.flush()
        self.lines += len(events)
        self.refused += sum(1 for e in events if isinstance(e, ToolResultEvent) and e.refused)
        self.commands += [c for e in events if isinstance(e, ToolCallEvent)
                          and (c := tool_command(e.name, e.arguments)) is not None]
        return first


@dataclass
class Metering:
    gateway: Gateway
    route: TrialRoute
    calls: list[CallRecord] = field(default_factory=list)
    trajectory: _TrajectoryFile | None = None

    @property
    def refused(self) -> int | None:
        """Tool results the harness's filter refused; None when no trajectory was captured."""
        return self.trajectory.refused if self.trajectory else None

    @property
    def commands(self) -> list[str] | None:
        """The shell commands the model asked any harness to run; None when no trajectory was
        captured (not measured)."""
        return self.trajectory.commands if self.trajectory else None

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
                  first_seq: int = 1,
                  trajectory_file: Path | None = None) -> AsyncIterator[Metering]:
    """Open the try's route (reachable from inside ``netns`` when given); end it after, so a
    process that outlived the try can make no further call, and a call still in flight (one the
    harness gave up on) is recorded with the try. ``phase`` marks its calls (a
    verifier's judge gets a ``grading`` route of its own, numbered after the agent's calls).
    With ``trajectory_file``, each call's conversation events are appended to it (capture off
    without)."""
    calls_file.parent.mkdir(parents=True, exist_ok=True)
    with calls_file.open("a", encoding="utf-8") as out, \
            contextlib.ExitStack() as files:
        metering: Metering | None = None
        trajectory = None
        if trajectory_file is not None:
            trajectory = _TrajectoryFile(files.enter_context(
                trajectory_file.open("w", encoding="utf-8")))

        def sink(record: CallRecord) -> None:
            assert metering is not None
            if out.closed:  # the try is over (see _TrajectoryFile.write)
                return
            metering.calls.append(record)
            out.write(record.to_json() + "\n")
            out.flush()

        route = gateway.open_trial(trial_id, try_no, model=model, sink=sink,
                                   context=provider_context(gateway, model, task), phase=phase,
                                   first_seq=first_seq,
                                   trajectory=trajectory.write if trajectory else None)
        metering = Metering(gateway, route, trajectory=trajectory)
        try:
            if netns is None:
                yield metering
            else:
                async with gateway.reachable_in(netns) as url:
                    metering.route = dataclasses.replace(
                        route, base_url=route.base_url.replace(gateway.url, url, 1))
                    yield metering
        finally:  # before calls.jsonl closes: a call still in flight is recorded now
            await gateway.end_route(route.token)
