"""What a try's calls add to its trajectory: only what is new, tool results classified.

The conversation a request carries is compared with the previous request of the same thread (the
agent's calls, or side calls: those that offer no tools); only the items after the common prefix
are new. Assistant text and tool calls echoed back in a request were stored from the response that
produced them, so a request contributes the system prompt (when it changed), user messages and
tool results. A response contributes what the model said. Pure but for the state it keeps.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from agentindex.gateway.transcript import CONVERTERS
from agentindex.gateway.transcript.items import Item
from agentindex.results.trajectory import Message, ToolCallEvent, ToolResultEvent

TrajEvent = Message | ToolCallEvent | ToolResultEvent

#: Texts longer than this many characters are cut (and marked ``truncated``) by default.
DEFAULT_MAX_TEXT = 16 * 1024

#: What harnesses write in a tool result when their own filter refused the command. One line per
#: harness; the texts are the harnesses' own (found in their bundles).
REFUSALS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("gemini-cli", re.compile(r"Command injection detected|the command was blocked")),
    ("qwen-code", re.compile(r"Command substitution using .{0,40} is not allowed|"
                             r"[Cc]ommand (?:is )?blocked")),
    ("claude-code", re.compile(r"Permission to use \w+ (?:with command .{0,400})?has been denied")),
    ("codex", re.compile(r"(?:exec command|patch) rejected by user|rejected by user approval")),
    ("opencode", re.compile(r"The user rejected permission to use this specific tool call")),
)

#: How harnesses report a command's exit status in its result (first match wins).
_EXIT = re.compile(r"<returncode>\s*(-?\d+)\s*</returncode>|"
                   r"\"(?:exit_code|returncode)\"\s*:\s*(-?\d+)|"
                   r"\b[Ee]xit(?:ed with)?[ _]?[Cc]ode\W{0,3}(-?\d+)")


#: The payload of each SSE ``data:`` line (one C-speed pass over the kept bytes).
_DATA = re.compile(rb"^data:(.*)", re.M)


def refused(text: str) -> bool:
    """Whether a tool result says the harness's command filter refused the call."""
    return any(p.search(text) for _, p in REFUSALS)


def exit_failed(text: str) -> bool | None:
    """True when the result reports a non-zero exit status, False for zero, None if it says none."""
    m = _EXIT.search(text)
    if m is None:
        return None
    return int(next(g for g in m.groups() if g is not None)) != 0


def cut(text: str, limit: int) -> tuple[str, bool]:
    """``text`` cut to ``limit`` characters, and whether it was cut."""
    return (text, False) if len(text) <= limit else (text[:limit], True)


def response_items(protocol: str, content_type: str, body: bytes) -> list[Item]:
    """A response's items, from its bytes as kept by the relay: a stream's ``data:`` payloads are
    decoded in one ``json.loads`` of them all (one parse at the end of the call, none per event);
    a JSON body is parsed once. Bytes that do not parse give no items."""
    conv = CONVERTERS.get(protocol)
    if conv is None or not body:
        return []
    if content_type.startswith("text/event-stream"):
        payloads = [p for raw in _DATA.findall(body) if (p := raw.strip()) and p != b"[DONE]"]
        return conv.stream([e for e in _load_all(payloads) if isinstance(e, dict)])
    try:
        value = json.loads(body)
    except ValueError:
        return []
    return conv.response(value) if isinstance(value, dict) else []


def _load_all(payloads: list[bytes]) -> list[Any]:
    try:
        value = json.loads(b"[" + b",".join(payloads) + b"]")
        return value if isinstance(value, list) else []
    except ValueError:  # one bad payload: keep the others
        out = []
        for p in payloads:
            try:
                out.append(json.loads(p))
            except ValueError:
                continue
        return out


def _key(item: Item) -> tuple[object, ...]:
    if item.kind == "tool_call":
        return (item.kind, item.call_id, item.name)
    return (item.kind, item.call_id, item.text)


@dataclass
class _Thread:
    seen: list[tuple[object, ...]] = field(default_factory=list)
    system: str | None = None


@dataclass
class Recorder:
    """One try's capture state. ``events`` turns one call into the events it adds."""

    try_no: int
    max_text: int = DEFAULT_MAX_TEXT
    _threads: dict[bool, _Thread] = field(default_factory=dict)

    def events(self, *, seq: int, side: bool, request: Sequence[Item], response: Sequence[Item],
               started_at: float, ended_at: float) -> list[TrajEvent]:
        """The events call ``seq`` adds: what its request brought that the thread had not seen
        (at ``started_at``), then what its response said (at ``ended_at``)."""
        thread = self._threads.setdefault(side, _Thread())
        keys = [_key(i) for i in request]
        common = 0
        for old, new in zip(thread.seen, keys, strict=False):
            if old != new:
                break
            common += 1
        thread.seen = keys
        out: list[TrajEvent] = []
        base = {"try_no": self.try_no, "seq": seq, "side": side}
        for item in request[common:]:
            if item.kind == "system":
                if item.text == thread.system:
                    continue
                thread.system = item.text
            if item.kind in ("system", "user", "tool_result"):
                out.append(self._event(item, {**base, "at": started_at}))
        out.extend(self._event(i, {**base, "at": ended_at}) for i in response)
        return out

    def _event(self, item: Item, base: dict[str, Any]) -> TrajEvent:
        if item.kind == "tool_call":
            return ToolCallEvent(**base, name=item.name, arguments=item.arguments,
                                 call_id=item.call_id)
        text, truncated = cut(item.text, self.max_text)
        if item.kind == "tool_result":
            refusal = refused(item.text)
            flags = (item.is_error, exit_failed(item.text), True if refusal else None)
            is_error = True if any(flags) else (False if False in flags else None)
            return ToolResultEvent(**base, call_id=item.call_id, text=text, is_error=is_error,
                                   refused=refusal, truncated=truncated)
        reasoning = cut(item.reasoning, self.max_text)[0] if item.reasoning else None
        role: Literal["system", "user", "assistant"] = \
            "system" if item.kind == "system" else "user" if item.kind == "user" else "assistant"
        return Message(**base, role=role, text=text, reasoning=reasoning, truncated=truncated)
