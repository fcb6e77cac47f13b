"""OpenAI Responses -> conversation items (see :mod:`.items`).

Reasoning summaries are the ``summary`` of ``reasoning`` output items. A stream is read from its
``response.output_item.done`` events; when it has none, from the final event's ``response``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentindex.gateway.transcript.items import (
    Converter,
    Item,
    arguments_of,
    assistant,
    dict_items,
    text_of,
)
from agentindex.gateway.wire import as_dict

_FINAL = ("response.completed", "response.incomplete", "response.failed")


def responses_request_items(body: dict[str, Any]) -> list[Item]:
    """A Responses request -> ``instructions``, then the input's items in order."""
    items = []
    if isinstance(body.get("instructions"), str) and body["instructions"]:
        items.append(Item("system", body["instructions"]))
    raw = body.get("input")
    if isinstance(raw, str):
        return [*items, Item("user", raw)]
    for item in dict_items(raw):
        match item:
            case {"type": "function_call_output" | "custom_tool_call_output"
                  | "local_shell_call_output"}:
                items.append(Item("tool_result", _output(item.get("output")),
                                  call_id=str(item.get("call_id"))))
            case {"role": "system" | "developer"}:
                items.append(Item("system", text_of(item.get("content"))))
            case {"role": "user"}:
                items.append(Item("user", text_of(item.get("content"))))
            case _:
                items.extend(_output_items([item]))
    return items


def _output(value: object) -> str:
    if isinstance(value, dict):  # some clients send {"content": ..., "success": ...}
        return text_of(value.get("content", value.get("output", "")))
    return text_of(value)


def _output_items(output: list[dict[str, Any]]) -> list[Item]:
    """Output items (or their echo in a request) -> assistant items and tool calls, in order;
    a reasoning summary joins the assistant text that follows it."""
    items: list[Item] = []
    reasoning: list[str] = []
    for item in output:
        match item:
            case {"type": "reasoning"}:
                reasoning.extend(text_of(item.get("summary"), ("summary_text",)).split("\n"))
            case {"type": "message"}:
                items.extend(assistant(text_of(item.get("content")),
                                       "\n".join(r for r in reasoning if r)))
                reasoning = []
            case {"type": "function_call" | "custom_tool_call", "name": str(name)}:
                raw = item.get("arguments", item.get("input"))
                items.append(Item("tool_call", name=name, call_id=str(item.get("call_id")),
                                  arguments=arguments_of(raw) if item["type"] == "function_call"
                                  else str(raw)))
            case {"type": "local_shell_call"}:
                items.append(Item("tool_call", name="local_shell",
                                  call_id=str(item.get("call_id")),
                                  arguments=as_dict(item.get("action"))))
    if any(reasoning):
        items.insert(0, Item("assistant", "", "\n".join(r for r in reasoning if r)))
    return items


def responses_response_items(body: dict[str, Any]) -> list[Item]:
    """A Responses body -> its output's items."""
    return _output_items(dict_items(body.get("output")))


def responses_stream_items(events: Sequence[dict[str, Any]]) -> list[Item]:
    """The events of a Responses stream -> the output's items."""
    done = [as_dict(e.get("item")) for e in events
            if e.get("type") == "response.output_item.done"]
    if done:
        return _output_items(done)
    final = [as_dict(e.get("response")) for e in events if e.get("type") in _FINAL]
    return responses_response_items(final[-1]) if final else []


CONVERTER = Converter(responses_request_items, responses_response_items, responses_stream_items)
