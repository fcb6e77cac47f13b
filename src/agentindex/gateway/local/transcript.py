"""A request of any wire protocol -> the chat a local model reads: system text, turns, tools.

One pure function per protocol (``anthropic_chat``, ``openai_chat``, ``responses_chat``,
``gemini_chat``), each ``body -> Chat``. Assistant tool calls and tool results become text turns in
the format the model's prompt uses (``chat_format``), so a model sees its own earlier calls the
way it wrote them. Anything unknown (images, thinking blocks, server tools) is skipped or named,
never an error: a harness's request is read as far as it can be.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from agentindex.gateway.wire import as_dict, as_int, as_list


@dataclass(frozen=True)
class Turn:
    """One message: ``role`` is ``user``, ``assistant`` or ``tool``; ``calls`` are the assistant's
    tool calls as (name, arguments) pairs."""

    role: str
    text: str
    calls: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class ToolDoc:
    """A tool as offered: name, description and JSON schema of its arguments."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class Chat:
    """What the model is asked: system text, turns in order, tools offered, and the client's
    ``max_tokens`` (None if it set none)."""

    system: str
    turns: tuple[Turn, ...]
    tools: tuple[ToolDoc, ...]
    max_tokens: int | None


def chat_of(protocol: str, body: dict[str, Any]) -> Chat:
    """The chat of a request in ``protocol`` (a name of ``agentindex.gateway.protocols``)."""
    match protocol:
        case "anthropic":
            return anthropic_chat(body)
        case "openai-chat":
            return openai_chat(body)
        case "openai-responses":
            return responses_chat(body)
        case "gemini":
            return gemini_chat(body)
    raise ValueError(f"no local transcript for protocol {protocol!r}")


def text_of(content: object) -> str:
    """Text of a content value: a string, or a list of text parts of any protocol."""
    if isinstance(content, str):
        return content
    parts = []
    for part in as_list(content):
        match part:
            case str(s):
                parts.append(s)
            case {"text": str(s)}:
                parts.append(s)
            case {"type": "image" | "image_url" | "input_image"}:
                parts.append("[image]")
    return "\n".join(parts)


def anthropic_chat(body: dict[str, Any]) -> Chat:
    """Messages: ``system`` (text or blocks); ``tool_use`` / ``tool_result`` blocks."""
    turns: list[Turn] = []
    system = [text_of(body.get("system"))]
    for message in as_list(body.get("messages")):
        role, content = as_dict(message).get("role"), as_dict(message).get("content")
        if role == "system":
            system.append(text_of(content))
            continue
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        texts, calls = [], []
        for block in as_list(blocks):
            match block:
                case {"type": "text", "text": str(s)}:
                    texts.append(s)
                case {"type": "tool_use", "name": str(name)}:
                    calls.append((name, block.get("input")))
                case {"type": "tool_result"}:
                    turns.append(Turn("tool", text_of(block.get("content"))))
        if texts or calls or role == "assistant":
            turns.append(Turn("assistant" if role == "assistant" else "user", "\n".join(texts),
                              tuple(calls)))
    tools = [ToolDoc(t["name"], str(t.get("description") or ""), as_dict(t.get("input_schema")))
             for t in as_list(body.get("tools")) if isinstance(as_dict(t).get("name"), str)]
    return Chat(_join(system), tuple(turns), tuple(tools), as_int(body.get("max_tokens")))


def openai_chat(body: dict[str, Any]) -> Chat:
    """Chat Completions: ``system``/``developer`` messages, ``tool_calls``, ``tool`` messages."""
    turns: list[Turn] = []
    system: list[str] = []
    for message in as_list(body.get("messages")):
        m = as_dict(message)
        role, text = m.get("role"), text_of(m.get("content"))
        if role in ("system", "developer"):
            system.append(text)
        elif role in ("tool", "function"):
            turns.append(Turn("tool", text))
        elif role == "assistant":
            calls = tuple((str(as_dict(c.get("function")).get("name")),
                           _arguments(as_dict(c.get("function")).get("arguments")))
                          for c in map(as_dict, as_list(m.get("tool_calls"))))
            turns.append(Turn("assistant", text, calls))
        else:
            turns.append(Turn("user", text))
    tools = []
    for tool in as_list(body.get("tools")) + as_list(body.get("functions")):
        f = as_dict(as_dict(tool).get("function")) or as_dict(tool)
        if isinstance(f.get("name"), str):
            tools.append(ToolDoc(f["name"], str(f.get("description") or ""),
                                 as_dict(f.get("parameters"))))
    limit = as_int(body.get("max_completion_tokens")) or as_int(body.get("max_tokens"))
    return Chat(_join(system), tuple(turns), tuple(tools), limit)


def responses_chat(body: dict[str, Any]) -> Chat:
    """Responses: ``instructions``; ``input`` items (messages, function/custom calls, outputs)."""
    turns: list[Turn] = []
    system = [text_of(body.get("instructions"))]
    items = body.get("input")
    for item in [{"role": "user", "content": items}] if isinstance(items, str) else as_list(items):
        match item:
            case {"type": "function_call", "name": str(name)}:
                _add_call(turns, name, _arguments(item.get("arguments")))
            case {"type": "custom_tool_call", "name": str(name)}:
                _add_call(turns, name, str(item.get("input") or ""))
            case {"type": str(kind)} if kind.endswith("_call_output"):
                turns.append(Turn("tool", text_of(item.get("output"))))
            case {"role": "system" | "developer"}:
                system.append(text_of(item.get("content")))
            case {"role": "assistant"}:
                turns.append(Turn("assistant", text_of(item.get("content"))))
            case {"role": str()}:
                turns.append(Turn("user", text_of(item.get("content"))))
    tools = []
    for tool in map(as_dict, as_list(body.get("tools"))):
        if isinstance(tool.get("name"), str):
            params = as_dict(tool.get("parameters")) if tool.get("type") == "function" else {
                "type": "string", "description": "free-form input"}
            tools.append(ToolDoc(tool["name"], str(tool.get("description") or ""), params))
    return Chat(_join(system), tuple(turns), tuple(tools), as_int(body.get("max_output_tokens")))


def gemini_chat(body: dict[str, Any]) -> Chat:
    """generateContent: ``systemInstruction``; ``functionCall`` / ``functionResponse`` parts."""
    turns: list[Turn] = []
    system = text_of(as_dict(body.get("systemInstruction")).get("parts"))
    for content in map(as_dict, as_list(body.get("contents"))):
        texts, calls = [], []
        for part in map(as_dict, as_list(content.get("parts"))):
            if isinstance(part.get("text"), str) and not part.get("thought"):
                texts.append(part["text"])
            elif call := as_dict(part.get("functionCall")):
                calls.append((str(call.get("name")), call.get("args")))
            elif response := as_dict(part.get("functionResponse")):
                turns.append(Turn("tool", json.dumps(response.get("response"))))
        if content.get("role") == "model":
            turns.append(Turn("assistant", "\n".join(texts), tuple(calls)))
        elif texts:
            turns.append(Turn("user", "\n".join(texts)))
    tools = [ToolDoc(str(d["name"]), str(d.get("description") or ""),
                     as_dict(d.get("parameters") or d.get("parametersJsonSchema")))
             for group in as_list(body.get("tools"))
             for d in map(as_dict, as_list(as_dict(group).get("functionDeclarations")))
             if isinstance(d.get("name"), str)]
    limit = as_int(as_dict(body.get("generationConfig")).get("maxOutputTokens"))
    return Chat(system, tuple(turns), tuple(tools), limit)


def _add_call(turns: list[Turn], name: str, arguments: Any) -> None:
    """A Responses call item joins the assistant turn just before it, else starts one."""
    if turns and turns[-1].role == "assistant":
        last = turns.pop()
        turns.append(Turn("assistant", last.text, (*last.calls, (name, arguments))))
    else:
        turns.append(Turn("assistant", "", ((name, arguments),)))


def _arguments(raw: object) -> Any:
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):
            return raw
    return raw


def _join(parts: list[str]) -> str:
    return "\n\n".join(p for p in parts if p)
