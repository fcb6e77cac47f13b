"""The ATIF mapping: steps in order, tool results as the observation of the step whose call they
answer, tokens as metrics, side calls left out, refusals marked; and the transcript helpers."""

from __future__ import annotations

from agentindex.export.atif import to_atif
from agentindex.results import CallRecord
from agentindex.results.trajectory import Message, ToolCallEvent, ToolResultEvent
from agentindex.usage import Usage
from agentindex.view.transcript import (
    SUSPECTED_LEAK,
    command_of,
    is_leak,
    loop_calls,
    transcript_html,
)
from tests.unit.report.jobstore import trial, variant

V = variant("Gemini", "gemini-cli", "scripted/refused")


def _call(seq: int, tools: bool = True) -> CallRecord:
    return CallRecord(trial_id="t", try_no=1, seq=seq, protocol="gemini", provider="scripted",
                      model="refused", started_at=float(seq), ended_at=seq + 0.5, status=200,
                      tools_offered=tools,
                      usage=Usage(input=100, cache_read=300, output=7, reasoning=2))


def _events() -> list:
    base = {"try_no": 1}
    return [
        Message(**base, seq=1, at=1.0, role="system", text="You are Gemini CLI."),
        Message(**base, seq=1, at=1.0, role="user", text="Fix it."),
        Message(**base, seq=1, at=1.5, role="assistant", text="", reasoning="think"),
        ToolCallEvent(**base, seq=1, at=1.5, name="run_shell_command",
                      arguments={"command": 'echo "$(uname)"'}, call_id="run_shell_command"),
        Message(**base, seq=2, at=2.0, side=True, role="user", text="Title this"),
        ToolResultEvent(**base, seq=3, at=3.0, call_id="run_shell_command_17",
                        text="Command injection detected", is_error=True, refused=True),
        ToolCallEvent(**base, seq=3, at=3.5, name="run_shell_command",
                      arguments={"command": "true"}, call_id="c2"),
        ToolResultEvent(**base, seq=4, at=4.0, call_id="c2", text="ok"),
        Message(**base, seq=4, at=4.5, role="assistant", text="Done."),
    ]


def test_atif_steps_observations_and_metrics() -> None:
    doc = to_atif(trial(V, "t1"), _events(), [_call(1), _call(2, tools=False), _call(3),
                                              _call(4)])
    steps = doc["steps"]
    assert [(s["step_id"], s["source"]) for s in steps] == [
        (1, "system"), (2, "user"), (3, "agent"), (4, "agent"), (5, "agent")]
    first = steps[2]
    assert first["reasoning_content"] == "think" and first["message"] == ""
    assert first["tool_calls"] == [{"tool_call_id": "run_shell_command",
                                    "function_name": "run_shell_command",
                                    "arguments": {"command": 'echo "$(uname)"'}}]
    # Gemini names the result by function and time: it joins the latest step with tool calls
    assert first["observation"]["results"] == [
        {"source_call_id": "run_shell_command_17", "content": "Command injection detected",
         "extra": {"refused_by_harness": True, "is_error": True}}]
    assert first["metrics"] == {"prompt_tokens": 400, "completion_tokens": 7,
                                "cached_tokens": 300}
    assert steps[3]["observation"]["results"] == [{"source_call_id": "c2", "content": "ok"}]
    assert steps[4]["message"] == "Done." and steps[0]["timestamp"] == "1970-01-01T00:00:01Z"
    assert doc["final_metrics"] == {"total_prompt_tokens": 1200, "total_completion_tokens": 21,
                                    "total_cached_tokens": 900, "total_steps": 5}
    assert doc["extra"]["agentindex"]["side_call_events"] == 1


def test_transcript_marks_refusals_loops_and_leaks() -> None:
    events = _events()
    html = transcript_html(events, [_call(1), _call(3)])
    assert 'class="tool_result refused" open' in html
    assert "refused by the harness" in html and "input 100 · cache read 300" in html
    assert transcript_html([], []) == ""
    ls = [ToolCallEvent(try_no=1, seq=i, at=i, name="bash", arguments={"command": "ls"},
                        call_id=f"c{i}") for i in range(4)]
    assert loop_calls(ls) == {0, 1, 2, 3}
    assert loop_calls(ls[:2]) == set()
    assert command_of(ToolCallEvent(try_no=1, seq=1, at=0, name="shell", call_id="x",
                                    arguments={"command": ["bash", "-c", "ls"]})) == "bash -c ls"
    assert SUSPECTED_LEAK.search("cat /app/tests/test_hidden.py")
    assert SUSPECTED_LEAK.search("git log --all")
    assert not SUSPECTED_LEAK.search("python3 -m pytest -q")
    # the trial's classifier, when it ran, decides instead of the rule
    assert is_leak("cd /app && git log --all", ["git log --all"])
    assert not is_leak("cat /app/tests/x.py", [])
    assert is_leak("cat /app/tests/x.py", None)
