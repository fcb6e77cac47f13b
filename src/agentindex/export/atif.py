"""A trial's trajectory in Harbor's Agent Trajectory Interchange Format (ATIF, ``ATIF-v1.4``).

The mapping (see ``docs/TRAJECTORIES.md``): the system prompt and user messages are ``system`` and
``user`` steps; each agent call's response is one ``agent`` step (its text as ``message``, its
reasoning summary as ``reasoning_content``, its tool calls as ``tool_calls``, the call's tokens as
``metrics``); the tool results a later request brings back are the ``observation`` of the step whose
tool call they answer. Side calls (no tools offered) are left out of ``steps`` and counted in
``extra``; refusals, errors and truncation go in each result's ``extra``. Pure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from agentindex.results import CallRecord, TrialResult
from agentindex.results.trajectory import Event, Message, ToolCallEvent, ToolResultEvent

ATIF_VERSION = "ATIF-v1.4"


def _iso(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).isoformat().replace("+00:00", "Z")


def _metrics(call: CallRecord | None) -> dict[str, Any] | None:
    if call is None or call.input is None:
        return None
    u = call.usage
    prompt = (u.input or 0) + (u.cache_read or 0) + (u.cache_write or 0)
    return {"prompt_tokens": prompt, "completion_tokens": u.output,
            "cached_tokens": u.cache_read}


def _arguments(call: ToolCallEvent) -> dict[str, Any]:
    return call.arguments if isinstance(call.arguments, dict) else {"input": call.arguments}


class _Steps:
    """Builds the step list; tool results find the agent step of their call."""

    def __init__(self, calls: dict[tuple[int, int], CallRecord]) -> None:
        self.steps: list[dict[str, Any]] = []
        self._calls = calls
        self._owner: dict[str, dict[str, Any]] = {}
        self._agent: dict[tuple[int, int], dict[str, Any]] = {}

    def add(self, e: Event) -> None:
        if isinstance(e, Message) and e.role != "assistant":
            self._new({"source": e.role, "message": e.text, "timestamp": _iso(e.at)})
        elif isinstance(e, Message | ToolCallEvent):
            step = self._agent_step(e)
            if isinstance(e, Message):
                step["message"] = (step["message"] + "\n" + e.text).strip("\n")
                if e.reasoning:
                    step["reasoning_content"] = e.reasoning
            else:
                step.setdefault("tool_calls", []).append(
                    {"tool_call_id": e.call_id, "function_name": e.name,
                     "arguments": _arguments(e)})
                self._owner[e.call_id] = step
        else:
            self._result(e)

    def _new(self, step: dict[str, Any]) -> dict[str, Any]:
        step = {"step_id": len(self.steps) + 1, **step}
        self.steps.append(step)
        return step

    def _agent_step(self, e: Event) -> dict[str, Any]:
        key = (e.try_no, e.seq)
        if key not in self._agent:
            call = self._calls.get(key)
            step = self._new({"source": "agent", "message": "", "timestamp": _iso(e.at)})
            if call is not None:
                step["model_name"] = call.model
            if (metrics := _metrics(call)) is not None:
                step["metrics"] = metrics
            self._agent[key] = step
        return self._agent[key]

    def _result(self, e: ToolResultEvent) -> None:
        # Gemini names a result by function when the call had no id: then the latest step
        step = self._owner.get(e.call_id) or next(
            (s for s in reversed(self.steps) if s.get("tool_calls")), None)
        if step is None:
            step = self._new({"source": "agent", "message": "", "timestamp": _iso(e.at)})
        extra = {k: v for k, v in (("refused_by_harness", e.refused), ("is_error", e.is_error),
                                   ("truncated", e.truncated)) if v}
        result: dict[str, Any] = {"source_call_id": e.call_id, "content": e.text}
        if extra:
            result["extra"] = extra
        step.setdefault("observation", {"results": []})["results"].append(result)


def to_atif(trial: TrialResult, events: Sequence[Event],
            calls: Sequence[CallRecord]) -> dict[str, Any]:
    """The ATIF document of one trial (its last try's trajectory)."""
    builder = _Steps({(c.try_no, c.seq): c for c in calls})
    main = [e for e in events if not e.side]
    for e in main:
        builder.add(e)
    steps = builder.steps
    agent_calls = [c for c in calls if c.tools_offered and c.input is not None]
    final = {
        "total_prompt_tokens": sum(m["prompt_tokens"] for s in steps
                                   if (m := s.get("metrics")) is not None),
        "total_completion_tokens": sum(m["completion_tokens"] or 0 for s in steps
                                       if (m := s.get("metrics")) is not None),
        "total_cached_tokens": sum(m["cached_tokens"] or 0 for s in steps
                                   if (m := s.get("metrics")) is not None),
        "total_steps": len(steps),
    }
    return {
        "schema_version": ATIF_VERSION,
        "session_id": trial.trial_id,
        "agent": {"name": trial.variant.agent, "version": trial.variant.agent_version or "unknown",
                  "model_name": trial.variant.model or "none"},
        "steps": steps,
        "final_metrics": final,
        "extra": {"agentindex": {"task": trial.task_name, "reward": trial.reward,
                                 "agent_calls": len(agent_calls),
                                 "side_call_events": len(events) - len(main),
                                 "refused_tool_calls": trial.refused_tool_calls}},
    }
