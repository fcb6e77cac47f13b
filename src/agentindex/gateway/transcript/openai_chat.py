"""OpenAI Chat Completions -> conversation items (see :mod:`.items`).

Reasoning arrives, where a provider returns it, as ``reasoning_content`` (DeepSeek, Qwen, GLM,
Kimi) or ``reasoning`` (OpenRouter-style) on the message or the stream's deltas.
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


def chat_request_items(body: dict[str, Any]) -> list[Item]:
    """A Chat Completions request -> its messages' items in order."""
    items = []
    for message in dict_items(body.get("messages")):
        role, content = message.get("role"), message.get("content")
        match role:
            case "system" | "developer":
                items.append(Item("system", text_of(content)))
            case "assistant":
                items.extend(_message(message))
            case "tool" | "function":
                items.append(Item("tool_result", text_of(content),
                                  call_id=str(message.get("tool_call_id") or message.get("name"))))
            case _:
                items.append(Item("user", text_of(content)))
    return items


def _reasoning(message: dict[str, Any]) -> str:
    value = message.get("reasoning_content", message.get("reasoning"))
    return value if isinstance(value, str) else ""


def _message(message: dict[str, Any]) -> list[Item]:
    calls = []
    for call in dict_items(message.get("tool_calls")):
        function = as_dict(call.get("function"))
        calls.append(Item("tool_call", name=str(function.get("name")),
                          arguments=arguments_of(function.get("arguments")),
                          call_id=str(call.get("id"))))
    return assistant(text_of(message.get("content")), _reasoning(message)) + calls


def chat_response_items(body: dict[str, Any]) -> list[Item]:
    """A Chat Completions response -> the first choice's text, reasoning and tool calls."""
    choices = dict_items(body.get("choices"))
    return _message(as_dict(choices[0].get("message"))) if choices else []


def chat_stream_items(events: Sequence[dict[str, Any]]) -> list[Item]:
    """The chunks of a Chat Completions stream -> the first choice, assembled."""
    text: list[str] = []
    reasoning: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    for event in events:
        for choice in dict_items(event.get("choices")):
            if choice.get("index", 0) != 0:
                continue
            delta = as_dict(choice.get("delta"))
            if isinstance(delta.get("content"), str):
                text.append(delta["content"])
            if part := _reasoning(delta):
                reasoning.append(part)
            for call in dict_items(delta.get("tool_calls")):
                slot = calls.setdefault(int(call.get("index") or 0),
                                        {"id": "", "name": "", "args": []})
                function = as_dict(call.get("function"))
                slot["id"] = call.get("id") or slot["id"]
                slot["name"] = function.get("name") or slot["name"]
                if isinstance(function.get("arguments"), str):
                    slot["args"].append(function["arguments"])
    message = {"content": "".join(text), "reasoning_content": "".join(reasoning),
               "tool_calls": [{"id": c["id"], "function": {"name": c["name"],
                                                           "arguments": "".join(c["args"])}}
                              for _, c in sorted(calls.items())]}
    return _message(message)


CONVERTER = Converter(chat_request_items, chat_response_items, chat_stream_items)
