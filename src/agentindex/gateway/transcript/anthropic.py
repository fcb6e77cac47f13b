"""Anthropic Messages -> conversation items (see :mod:`.items`)."""

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


def anthropic_request_items(body: dict[str, Any]) -> list[Item]:
    """A Messages request -> system prompt, then the messages' items in order."""
    items = []
    system = text_of(body.get("system"))
    if system:
        items.append(Item("system", system))
    for message in dict_items(body.get("messages")):
        role, content = message.get("role"), message.get("content")
        if role == "system":
            items.append(Item("system", text_of(content)))
        elif role == "assistant":
            items.extend(_blocks(content if isinstance(content, list) else [content]))
        elif isinstance(content, str):
            items.append(Item("user", content))
        else:
            items.extend(_user_blocks(dict_items(content)))
    return items


def _user_blocks(blocks: list[dict[str, Any]]) -> list[Item]:
    items, texts = [], []
    for block in blocks:
        match block:
            case {"type": "tool_result"}:
                err = block.get("is_error")
                items.append(Item("tool_result", text_of(block.get("content")),
                                  call_id=str(block.get("tool_use_id")),
                                  is_error=err if isinstance(err, bool) else None))
            case {"type": "text", "text": str(text)}:
                texts.append(text)
            case {"type": str(kind)}:
                texts.append(f"[{kind}]")
    if texts:
        items.append(Item("user", "\n".join(texts)))
    return items


def _blocks(blocks: Sequence[object]) -> list[Item]:
    """Assistant content blocks -> one assistant item (text, thinking) and its tool calls."""
    texts, thinking, calls = [], [], []
    for block in blocks:
        match block:
            case str(text):
                texts.append(text)
            case {"type": "text", "text": str(text)}:
                texts.append(text)
            case {"type": "thinking", "thinking": str(text)}:
                thinking.append(text)
            case {"type": "tool_use" | "server_tool_use", "name": str(name)}:
                use = as_dict(block)
                calls.append(Item("tool_call", name=name, call_id=str(use.get("id")),
                                  arguments=arguments_of(use.get("input"))))
    return assistant("".join(texts), "".join(thinking)) + calls


def anthropic_response_items(body: dict[str, Any]) -> list[Item]:
    """A Messages response body -> assistant text/thinking and tool calls."""
    return _blocks(dict_items(body.get("content")))


def anthropic_stream_items(events: Sequence[dict[str, Any]]) -> list[Item]:
    """The events of a Messages stream -> the same items as the assembled message."""
    blocks: dict[int, dict[str, Any]] = {}
    # plain lookups, not ``match``: this loop runs once per streamed event (the capture's cost)
    for event in events:
        kind = event.get("type")
        if kind == "content_block_delta":
            block, delta = blocks.get(event.get("index", -1)), event.get("delta")
            if block is not None and isinstance(delta, dict):
                part = delta.get("text")
                if part is None:
                    part = delta.get("thinking", delta.get("partial_json"))
                if isinstance(part, str):
                    block["_parts"].append(part)
        elif kind == "content_block_start" and isinstance(event.get("index"), int) \
                and isinstance(event.get("content_block"), dict):
            blocks[event["index"]] = {**event["content_block"], "_parts": []}
    out = []
    for _, block in sorted(blocks.items()):
        joined = "".join(block.pop("_parts"))
        match block.get("type"):
            case "text":
                block["text"] = block.get("text", "") + joined
            case "thinking":
                block["thinking"] = block.get("thinking", "") + joined
            case "tool_use" | "server_tool_use":
                block["input"] = arguments_of(joined) if joined else as_dict(block.get("input"))
        out.append(block)
    return _blocks(out)


CONVERTER = Converter(anthropic_request_items, anthropic_response_items, anthropic_stream_items)
