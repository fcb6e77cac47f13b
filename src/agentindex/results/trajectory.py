"""A trial's trajectory: what the model was told and what it did, as the gateway saw it.

``trials/<id>/trajectory.jsonl`` holds one header line (``{"format": TRAJECTORY_FORMAT}``) and then
one event per line, in the order the gateway saw them. Every event names the call it came from
(``try_no``, ``seq``: the same pair as the :class:`~agentindex.results.call.CallRecord`), the time
it was seen (``at``: the call's start for what the request brought, its end for what the response
brought) and ``side`` (a call that offered no tools: title generation, summaries), so side calls
stay apart from the agent's conversation. Only what is new since the trial's previous call is
stored: the system prompt once per change, the user messages and tool results the harness added,
and the response's assistant text, reasoning summary and tool calls.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from agentindex.errors import ConfigError
from agentindex.results.base import Record

TRAJECTORY_FORMAT = "agentindex.trajectory/1"


class _Event(Record):
    try_no: int = Field(description="the try within the trial (1, 2, …)")
    seq: int = Field(description="the call the event came from (CallRecord.seq)")
    at: float = Field(description="unix time: the call's start (request) or end (response)")
    side: bool = Field(default=False, description="from a side call (no tools offered)")


class Message(_Event):
    """A message: the system prompt (once per change), a user message, or assistant text (with
    the reasoning summary the provider returned, if any)."""

    kind: Literal["message"] = "message"
    role: Literal["system", "user", "assistant"] = Field(description="who speaks")
    text: str = Field(description="the message's text")
    reasoning: str | None = Field(default=None,
                                  description="reasoning summary returned with it, if any")
    truncated: bool = Field(default=False, description="text cut at the configured size")


class ToolCallEvent(_Event):
    """A tool call the model made."""

    kind: Literal["tool_call"] = "tool_call"
    name: str = Field(description="the tool's name")
    arguments: dict[str, Any] | str = Field(
        description="JSON arguments (a str for free-text tools or arguments that did not parse)")
    call_id: str = Field(description="the id the tool result refers to")


class ToolResultEvent(_Event):
    """What a tool returned, as the harness sent it back to the model."""

    kind: Literal["tool_result"] = "tool_result"
    call_id: str = Field(description="the tool call it answers")
    text: str = Field(description="the result's text")
    is_error: bool | None = Field(
        default=None, description="the harness flagged an error or the command exited non-zero; "
                                  "None: nothing says either way")
    refused: bool = Field(default=False,
                          description="the harness's own command filter refused to run it")
    truncated: bool = Field(default=False, description="text cut at the configured size")


Event = Annotated[Message | ToolCallEvent | ToolResultEvent, Field(discriminator="kind")]
_EVENT: TypeAdapter[Event] = TypeAdapter(Event)


def event_line(event: Message | ToolCallEvent | ToolResultEvent) -> str:
    """One line of ``trajectory.jsonl`` (no newline): compact JSON, UTF-8."""
    return event.model_dump_json()


def header_line() -> str:
    return json.dumps({"format": TRAJECTORY_FORMAT})


def parse_events(lines: Iterable[str], source: object) -> Iterator[Event]:
    """The events of a trajectory file's lines; a bad header or line raises ConfigError naming
    ``source`` and the line."""
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError as e:
            raise ConfigError(source, f"line {no}", f"not JSON: {e}") from None
        if isinstance(data, dict) and "format" in data and "kind" not in data:
            if data["format"] != TRAJECTORY_FORMAT:
                raise ConfigError(source, "format", f"{data['format']!r} is not a format this "
                                  f"agentindex reads (it reads {TRAJECTORY_FORMAT})")
            continue
        try:
            yield _EVENT.validate_python(data)
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigError(source, f"line {no}: {where}", first["msg"]) from None


def load_trajectory(path: Path) -> list[Event]:
    """The events of ``trajectory.jsonl`` (empty when the file does not exist)."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as f:
        return list(parse_events(f, path))
