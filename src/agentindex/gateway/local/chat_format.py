"""The prompt a local model reads and the tool calls it writes, in SmolLM2's format.

SmolLM2's chat template is ChatML (``<|im_start|>role\\n...<|im_end|>``; it is read from the GGUF
file's ``tokenizer.chat_template`` and rendered with Jinja, sandboxed, so any GGUF by path gets its
own template). Tools follow SmolLM2's function-calling format: the tool list goes in the system
message inside ``<tools>...</tools>``, and the model calls tools by answering
``<tool_call>[{"name": ..., "arguments": {...}}]</tool_call>``. Earlier calls are written back in
the same format, so the model sees its history as it wrote it.

:func:`parse_output` reads a completion: the first valid call of an offered tool becomes a
:class:`~agentindex.gateway.wire.ToolCall`; anything else (no call, malformed JSON, an unknown
tool, an unclosed tag) leaves the whole completion as plain text, as a real provider would send it.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from jinja2.sandbox import ImmutableSandboxedEnvironment

from agentindex.gateway.local.transcript import Chat, ToolDoc, Turn
from agentindex.gateway.wire import ToolCall, ToolSpec

#: ChatML, the fallback for a GGUF file without a template.
CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + "
          "message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
          "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")

TOOLS_PROMPT = """You have access to the following tools:
<tools>{tools}</tools>

To call tools, answer with a list of calls in this format and nothing else:
<tool_call>[{{"name": "func_name1", "arguments": {{"argument1": "value1"}}}}]</tool_call>
If no tool call is needed, answer in plain text."""

_CALL = re.compile(r"<tool_call>(.*?)(?:</tool_call>|$)", re.DOTALL)


@dataclass(frozen=True)
class Parsed:
    """A completion read back: text (None when only a call was made) and the tool call, if any;
    ``malformed`` names what was wrong when the model tried a call that did not parse."""

    text: str | None
    call: ToolCall | None
    malformed: str | None = None


def render_prompt(template: str | None, chat: Chat, bos: str = "", eos: str = "") -> str:
    """The prompt text for ``chat`` through ``template`` (Jinja, as in the GGUF metadata), with
    the generation prompt for the assistant's next turn."""
    system = chat.system
    if chat.tools:
        system = "\n\n".join(p for p in (system, tools_prompt(chat.tools)) if p)
    messages = [{"role": "system", "content": system}] if system else []
    messages += [{"role": t.role, "content": turn_text(t)} for t in chat.turns]
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    return env.from_string(template or CHATML).render(
        messages=messages, add_generation_prompt=True, bos_token=bos, eos_token=eos)


def tools_prompt(tools: tuple[ToolDoc, ...]) -> str:
    docs = [{"name": t.name, "description": t.description, "parameters": t.parameters}
            for t in tools]
    return TOOLS_PROMPT.format(tools=json.dumps(docs, ensure_ascii=False))


def turn_text(turn: Turn) -> str:
    """A turn's content; an assistant's calls follow its text in the ``<tool_call>`` format."""
    if not turn.calls:
        return turn.text
    calls = json.dumps([{"name": n, "arguments": a} for n, a in turn.calls], ensure_ascii=False)
    return "\n".join(p for p in (turn.text, f"<tool_call>{calls}</tool_call>") if p)


def parse_output(text: str, tools: tuple[ToolSpec, ...]) -> Parsed:
    """A completion -> text and at most one tool call (the first valid one); see module doc."""
    match = _CALL.search(text)
    if match is None or not tools:
        return Parsed(text, None)
    try:
        value = json.loads(match.group(1).strip() or "null")
    except (ValueError, RecursionError) as err:  # deep nesting is a RecursionError
        return Parsed(text, None, f"tool call is not JSON: {err}")
    by_name = {t.name: t for t in tools}
    for item in value if isinstance(value, list) else [value]:
        call = _tool_call(item, by_name)
        if call is not None:
            before = text[: match.start()].strip()
            return Parsed(before or None, call)
    return Parsed(text, None, "no call of an offered tool with a name and arguments")


def _tool_call(item: object, tools: dict[str, ToolSpec]) -> ToolCall | None:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        return None
    spec = tools.get(item["name"])
    if spec is None:
        return None
    args = item.get("arguments", {})
    if isinstance(args, str) and spec.kind == "function":
        try:
            args = json.loads(args)
        except ValueError:
            return None
    call_id = f"call_{secrets.token_hex(6)}"
    if spec.kind != "function":  # free-text input: a string, or the one value it was given
        return ToolCall(spec.name, _free_text(args), call_id, spec.kind)
    return ToolCall(spec.name, args, call_id) if isinstance(args, dict) else None


def _free_text(args: Any) -> str:
    if isinstance(args, str):
        return args
    if isinstance(args, dict) and len(args) == 1 and isinstance(next(iter(args.values())), str):
        return str(next(iter(args.values())))
    return json.dumps(args)
