"""Every harness on every wire protocol it speaks gets the same trajectory from the gateway: the
instruction, the tool call that runs the reference solution, its result, the final message.
One demo task per (harness, protocol), all in one job (the real runner, bwrap, the gateway)."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from pathlib import Path

import pytest

from agentindex.agents import get_agent
from agentindex.gateway.scripted import SUBMIT
from agentindex.results.trajectory import (
    Event,
    Message,
    ToolCallEvent,
    ToolResultEvent,
    load_trajectory,
)
from agentindex.runner.job import JobSpec, run_job
from agentindex.runner.plan import TrialOptions
from agentindex.runner.variants import Variant
from agentindex.sandbox import get_backend
from agentindex.tasks.catalog import resolve_datasets
from agentindex.view.transcript import command_of
from tests.conftest import DEMO
from tests.integration.agents.rig import read_trials

pytestmark = pytest.mark.integration

TASK = DEMO / "terminal" / "csv-to-json"
ALL = ("anthropic", "openai-chat", "openai-responses", "gemini")
#: The protocols each harness speaks (builtin through its ``protocol`` setting; OpenCode too).
SPEAKS = {"builtin": ALL, "opencode": ("anthropic", "openai-chat", "openai-responses"),
          "claude-code": ("anthropic",), "codex": ("openai-responses",),
          "gemini-cli": ("gemini",), "qwen-code": ("openai-chat",),
          "mini-swe-agent": ("openai-chat",)}
_ENCODED = re.compile(r"echo ([A-Za-z0-9+/=]+) \| base64 -d \| bash")


def runs(command: str, script: str) -> bool:
    """Whether ``command`` runs ``script``: base64-encoded (the scripted models' form), or as is
    (an argv tool), or quoted in code (Codex's JavaScript ``exec`` tool)."""
    m = _ENCODED.search(command)
    if m is not None:
        return base64.b64decode(m.group(1)).decode() == script
    return script in command or json.dumps(script) in command


def _solution_index(events: list[Event], script: str) -> int:
    for i, e in enumerate(events):
        if isinstance(e, ToolCallEvent) and runs(command_of(e), script):
            return i
        if isinstance(e, Message) and e.role == "assistant" and runs(e.text, script):
            return i  # a harness that reads commands from the text (mini-swe-agent)
    raise AssertionError("no tool call runs the reference solution")


def _check(events: list[Event], instruction: str, script: str, where: str) -> None:
    main = [e for e in events if not e.side]
    users = [e for e in main if isinstance(e, Message) and e.role == "user"]
    assert any(instruction in u.text for u in users), where
    i = _solution_index(main, script)
    after = main[i + 1:]
    if isinstance(main[i], ToolCallEvent):
        result = next(e for e in after if isinstance(e, ToolResultEvent))
        assert result.is_error is not True and not result.refused, (where, result)
    else:  # the observation comes back as a user message
        assert any(isinstance(e, Message) and e.role == "user" for e in after), where
    # the final message: the oracle's answer, or the command a harness finishes by
    final = [e for e in main if isinstance(e, ToolCallEvent)
             or (isinstance(e, Message) and e.role == "assistant")][-1]
    if isinstance(final, ToolCallEvent):
        assert runs(command_of(final), SUBMIT), (where, final)
    else:
        assert final.text == "Done." or SUBMIT in final.text, (where, final)


@pytest.mark.timeout(2400)
def test_every_harness_on_every_protocol_has_the_same_trajectory(tmp_path: Path) -> None:
    variants = [Variant(h, get_agent(h).version, "scripted/oracle",
                        {"protocol": p} if len(SPEAKS[h]) > 1 else {})
                for h, protocols in SPEAKS.items() for p in protocols]
    spec = JobSpec(name="traj", jobs_dir=tmp_path, selection=resolve_datasets([str(TASK)]),
                   variants=variants, attempts=1, concurrency=6, backend=get_backend("bwrap"),
                   options=TrialOptions(timeout_multiplier=2.0, internet=False))
    job = asyncio.run(run_job(spec)).job_dir
    trials = read_trials(job)
    instruction = (TASK / "instruction.md").read_text().strip().splitlines()[0]
    script = (TASK / "solution" / "solve.sh").read_text()
    seen = set()
    for trial in trials:
        protocols = {c["protocol"] for c in trial.calls}
        where = f"{trial.harness} on {protocols}: see {trial.dir}"
        assert trial.row["reward"] == 1.0, (where, trial.row["error_message"])
        assert len(protocols) == 1, where
        _check(load_trajectory(trial.dir / "trajectory.jsonl"), instruction, script, where)
        seen.add((trial.harness, protocols.pop()))
    assert seen == {(h, p) for h, protocols in SPEAKS.items() for p in protocols}
