"""Only scripted models see a task's solution, and their per-trial state ends with the trial
(issue 13.6): the runner's route for a real-model trial hands the gateway nothing of the task,
and a scripted trial's state is dropped when the trial ends."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from agentindex.gateway import CallRecord, Gateway, ProvidersConfig
from agentindex.runner.metering import metered
from agentindex.tasks.loader import load_task
from tests.conftest import write_task

pytestmark = pytest.mark.integration

SECRET = "SOLUTION-TEXT-7f3a9c"


def _strings(obj: object, seen: dict[int, object] | None = None) -> list[str]:
    """Every string reachable from ``obj`` through attributes, dicts, lists and tuples."""
    seen = {} if seen is None else seen
    if id(obj) in seen or obj is None or isinstance(obj, (int, float, bytes, type)):
        return []
    seen[id(obj)] = obj  # kept alive, so a temporary's id is not reused within the walk
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, v in obj.items() for s in _strings(k, seen) + _strings(v, seen)]
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [s for item in obj for s in _strings(item, seen)]
    fields = vars(obj) if hasattr(obj, "__dict__") else {}
    if dataclasses.is_dataclass(obj):
        fields = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if type(obj).__module__.startswith("agentindex"):
        return _strings(fields, seen)
    return []  # aiohttp and other libraries' internals: not the gateway's own state


def _holds_solution(gateway: Gateway) -> bool:
    return any(SECRET in s for s in _strings(gateway))


@pytest.mark.parametrize("model", ["anthropic/claude-x", "openai/gpt-x", "google/gem"])
async def test_real_model_trial_gets_no_solution(tmp_path: Path, model: str) -> None:
    task = load_task(write_task(tmp_path, "t", solve=f"echo {SECRET} > /app/out.txt"))
    records: list[CallRecord] = []
    async with Gateway(ProvidersConfig.defaults()) as gw:
        async with metered(gw, "trial-1", 1, model, task, tmp_path / "calls.jsonl") as m:
            assert m.route.token in gw._trials  # the route is open: state exists now
            assert not _holds_solution(gw)
        assert not records


async def test_scripted_state_lives_until_the_trial_ends(tmp_path: Path) -> None:
    task = load_task(write_task(tmp_path, "t", solve=f"echo {SECRET} > /app/out.txt"))
    async with Gateway(ProvidersConfig.defaults()) as gw:
        for try_no in (1, 2):  # the state outlives a try (scripted/flaky counts per trial)
            async with metered(gw, "trial-1", try_no, "scripted/oracle", task,
                               tmp_path / "calls.jsonl"):
                assert _holds_solution(gw)
            assert _holds_solution(gw)
        gw.end_trial("trial-1")
        assert not _holds_solution(gw)
