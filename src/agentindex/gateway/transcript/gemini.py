"""Gemini generateContent -> conversation items (see :mod:`.items`).

Parts with ``thought: true`` are reasoning summaries. A ``functionResponse`` names its call by
``id`` when the client sent one, else by the function's name; its ``response`` is ``{"output":
…}`` or ``{"error": …}`` (an error).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from agentindex.gateway.transcript.items import (
    Converter,
    Item,
    arguments_of,
    assistant,
    dict_items,
)
from agentindex.gateway.wire import as_dict


def gemini_request_items(body: dict[str, Any]) -> list[Item]:
    """A generateContent request -> ``systemInstruction``, then the contents' items in order."""
    items = []
    system = _texts(dict_items(as_dict(body.get("systemInstruction")).get("parts")))
    if system:
        items.append(Item("system", system))
    for content in dict_items(body.get("contents")):
        parts = dict_items(content.get("parts"))
        if content.get("role") == "model":
            items.extend(_model_parts(parts))
            continue
        for part in parts:
            if "functionResponse" in part:
                items.append(_function_response(as_dict(part["functionResponse"])))
        text = _texts([p for p in parts if "functionResponse" not in p])
        if text:
            items.append(Item("user", text))
    return items


def _texts(parts: list[dict[str, Any]]) -> str:
    return "\n".join(p["text"] for p in parts if isinstance(p.get("text"), str))


def _function_response(fr: dict[str, Any]) -> Item:
    response = fr.get("response")
    is_error = None
    match response:
        case {"error": error}:
            text, is_error = error if isinstance(error, str) else json.dumps(error), True
        case {"output": str(output)}:
            text = output
        case {"content": str(output)}:
            text = output
        case _:
            text = json.dumps(response)
    return Item("tool_result", text, call_id=str(fr.get("id") or fr.get("name")),
                is_error=is_error)


def _model_parts(parts: list[dict[str, Any]]) -> list[Item]:
    text: list[str] = []
    thoughts: list[str] = []
    calls: list[Item] = []
    for part in parts:
        if "functionCall" in part:
            fc = as_dict(part["functionCall"])
            calls.append(Item("tool_call", name=str(fc.get("name")),
                              arguments=arguments_of(fc.get("args")),
                              call_id=str(fc.get("id") or fc.get("name"))))
        elif isinstance(part.get("text"), str):
            (thoughts if part.get("thought") is True else text).append(part["text"])
    return assistant("".join(text), "".join(thoughts)) + calls


def gemini_response_items(body: dict[str, Any]) -> list[Item]:
    """A generateContent response -> the first candidate's items."""
    return gemini_stream_items([body])


def gemini_stream_items(events: Sequence[dict[str, Any]]) -> list[Item]:
    """The chunks of a stream -> the first candidate's parts, concatenated."""
    parts: list[dict[str, Any]] = []
    for event in events:
        candidates = dict_items(event.get("candidates"))
        if candidates and candidates[0].get("index", 0) == 0:
            parts.extend(dict_items(as_dict(candidates[0].get("content")).get("parts")))
    return _model_parts(parts)


CONVERTER = Converter(gemini_request_items, gemini_response_items, gemini_stream_items)
