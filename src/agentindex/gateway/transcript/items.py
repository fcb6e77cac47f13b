"""The protocol-neutral items a conversation is made of, and helpers the converters share.

A converter (one module per wire protocol) turns a request body into the conversation it
carries — system prompt, user messages, assistant messages, tool calls, tool results, in order —
and a response (one JSON document, or the parsed events of a stream) into what the model said.
Everything here is pure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agentindex.gateway.wire import as_dict, as_list


@dataclass(frozen=True)
class Item:
    """One piece of a conversation. ``kind``: ``system``, ``user``, ``assistant``, ``tool_call``
    or ``tool_result``; ``text`` is the message, the reasoning summary goes in ``reasoning``
    (assistant), ``name``/``arguments``/``call_id`` describe a tool call, ``call_id``/``is_error``
    a tool result."""

    kind: str
    text: str = ""
    reasoning: str | None = None
    name: str = ""
    arguments: dict[str, Any] | str = ""
    call_id: str = ""
    is_error: bool | None = None


@dataclass(frozen=True)
class Converter:
    """One wire protocol's conversions: ``request`` (body -> the conversation it carries),
    ``response`` (a JSON body -> what the model said), ``stream`` (the events of a stream, parsed
    once at the end of the call -> what the model said)."""

    request: Callable[[dict[str, Any]], list[Item]]
    response: Callable[[dict[str, Any]], list[Item]]
    stream: Callable[[Sequence[dict[str, Any]]], list[Item]]


def text_of(content: object, types: tuple[str, ...] = ("text", "input_text", "output_text")) -> str:
    """The text of a content value: a string, or a list of parts whose ``type`` is in ``types``
    (parts without a type but with ``text`` count too); other parts are named in brackets."""
    if isinstance(content, str):
        return content
    parts = []
    for part in as_list(content):
        match part:
            case str(s):
                parts.append(s)
            case {"type": str(t), "text": str(s)} if t in types:
                parts.append(s)
            case {"text": str(s)} if "type" not in part:
                parts.append(s)
            case {"type": str(t)}:
                parts.append(f"[{t}]")
    return "\n".join(parts)


def arguments_of(raw: object) -> dict[str, Any] | str:
    """Tool-call arguments: a dict as is, a JSON-object string parsed, anything else as text."""
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw) if raw else {}
        except ValueError:
            return raw
        return value if isinstance(value, dict) else raw
    return {} if raw is None else json.dumps(raw)


def assistant(text: str, reasoning: str) -> list[Item]:
    """An assistant item when there is text or reasoning, else none."""
    if not text and not reasoning:
        return []
    return [Item("assistant", text, reasoning or None)]


def dict_items(value: object) -> list[dict[str, Any]]:
    return [as_dict(v) for v in as_list(value) if isinstance(v, dict)]
