"""Trajectory capture through the real gateway: a scripted 50-turn conversation is stored once,
not once per turn; each call record points at its events; capture off stores nothing."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest

from agentindex.gateway import CallRecord, Gateway
from agentindex.results.trajectory import (
    Message,
    ToolCallEvent,
    ToolResultEvent,
    event_line,
    header_line,
    load_trajectory,
)

pytestmark = pytest.mark.integration

SYSTEM = "You are a coding agent. " * 40
TOOLS = [{"name": "bash", "description": "run a command",
          "input_schema": {"type": "object", "properties": {"command": {"type": "string"}},
                           "required": ["command"]}}]


def _result_text(turn: int) -> str:
    return f"turn {turn}: " + "\n".join(f"-rw-r--r-- 1 root root {i} file{i}.py"
                                         for i in range(12))


async def _conversation(gw: Gateway, path: Path | None, turns: int) -> tuple[list[CallRecord],
                                                                             list[dict]]:
    calls: list[CallRecord] = []
    lines = [header_line()] if path else []

    def sink(events: list) -> int | None:
        first = len(lines) + 1
        lines.extend(event_line(e) for e in events)
        return first

    route = gw.open_trial("t-conv", 1, model="scripted/loop", sink=calls.append,
                          trajectory=sink if path else None)
    messages: list[dict] = [{"role": "user", "content": "List the files, again and again."}]
    async with aiohttp.ClientSession() as s:
        for turn in range(turns):
            body = {"model": "claude-x", "max_tokens": 256, "system": SYSTEM, "tools": TOOLS,
                    "messages": messages, "stream": turn % 2 == 0}
            async with s.post(f"{route.base_url}/v1/messages", json=body) as r:
                assert r.status == 200
                raw = await r.read()
            if body["stream"]:
                content = [{"type": "tool_use", "id": f"toolu_{turn}", "name": "bash",
                            "input": {"command": "ls"}}]
            else:
                content = json.loads(raw)["content"]
                content[0]["id"] = f"toolu_{turn}"
            messages = [*messages, {"role": "assistant", "content": content},
                        {"role": "user", "content": [{"type": "tool_result",
                                                      "tool_use_id": f"toolu_{turn}",
                                                      "content": _result_text(turn)}]}]
    if path:
        path.write_text("\n".join(lines) + "\n")
    return calls, messages


async def test_a_50_turn_conversation_is_stored_once(rig, tmp_path: Path) -> None:
    path = tmp_path / "trajectory.jsonl"
    calls, messages = await _conversation(rig.gateway, path, 50)
    events = load_trajectory(path)
    conversation = len(json.dumps({"system": SYSTEM, "messages": messages}))
    stored = path.stat().st_size
    assert stored < 2 * conversation, (stored, conversation)
    # every message once: the system prompt, the user message, 50 tool calls, 49 results
    assert sum(isinstance(e, Message) and e.role == "system" for e in events) == 1
    assert sum(isinstance(e, Message) and e.role == "user" for e in events) == 1
    assert sum(isinstance(e, ToolCallEvent) for e in events) == 50
    results = [e for e in events if isinstance(e, ToolResultEvent)]
    assert [r.text for r in results] == [_result_text(t) for t in range(49)]
    # each call record points at its first event
    lines = path.read_text().splitlines()
    for call in calls:
        assert call.trajectory_line is not None
        assert json.loads(lines[call.trajectory_line - 1])["seq"] == call.seq


async def test_capture_off_keeps_no_text(rig) -> None:
    calls, _ = await _conversation(rig.gateway, None, 3)
    assert [c.trajectory_line for c in calls] == [None, None, None]
    dumped = "".join(c.to_json() for c in calls)
    assert "coding agent" not in dumped and "file1.py" not in dumped
