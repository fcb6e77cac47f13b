"""The local provider's pure parts: each protocol's request read into one chat, the prompt in
SmolLM2's format, tool calls read back from real-looking (and malformed) completions."""

from __future__ import annotations

import pytest

from agentindex.gateway.local.chat_format import CHATML, parse_output, render_prompt
from agentindex.gateway.local.provider import parse_local
from agentindex.gateway.local.transcript import Chat, ToolDoc, Turn, chat_of
from agentindex.gateway.wire import ToolSpec

SHELL = {"type": "object", "properties": {"command": {"type": "string"}},
         "required": ["command"]}
EXPECTED = Chat(
    system="You are a coding agent.",
    turns=(Turn("user", "list files"), Turn("assistant", "", (("bash", {"command": "ls"}),)),
           Turn("tool", "a.txt"), Turn("user", "now stop")),
    tools=(ToolDoc("bash", "run a command", SHELL),),
    max_tokens=64,
)

BODIES = {
    "anthropic": {
        "system": [{"type": "text", "text": "You are a coding agent."}], "max_tokens": 64,
        "tools": [{"name": "bash", "description": "run a command", "input_schema": SHELL}],
        "messages": [
            {"role": "user", "content": "list files"},
            {"role": "assistant", "content": [
                {"type": "tool_use", "id": "t1", "name": "bash", "input": {"command": "ls"}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "t1", "content": "a.txt"}]},
            {"role": "user", "content": [{"type": "text", "text": "now stop"}]}]},
    "openai-chat": {
        "max_completion_tokens": 64,
        "tools": [{"type": "function", "function": {
            "name": "bash", "description": "run a command", "parameters": SHELL}}],
        "messages": [
            {"role": "system", "content": "You are a coding agent."},
            {"role": "user", "content": [{"type": "text", "text": "list files"}]},
            {"role": "assistant", "content": None, "tool_calls": [{
                "id": "c1", "type": "function",
                "function": {"name": "bash", "arguments": "{\"command\": \"ls\"}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "a.txt"},
            {"role": "user", "content": "now stop"}]},
    "openai-responses": {
        "instructions": "You are a coding agent.", "max_output_tokens": 64,
        "tools": [{"type": "function", "name": "bash", "description": "run a command",
                   "parameters": SHELL}],
        "input": [
            {"type": "message", "role": "user",
             "content": [{"type": "input_text", "text": "list files"}]},
            {"type": "reasoning", "summary": []},
            {"type": "function_call", "call_id": "c1", "name": "bash",
             "arguments": "{\"command\":\"ls\"}"},
            {"type": "function_call_output", "call_id": "c1", "output": "a.txt"},
            {"role": "user", "content": "now stop"}]},
    "gemini": {
        "systemInstruction": {"parts": [{"text": "You are a coding agent."}]},
        "generationConfig": {"maxOutputTokens": 64},
        "tools": [{"functionDeclarations": [
            {"name": "bash", "description": "run a command", "parameters": SHELL}]}],
        "contents": [
            {"role": "user", "parts": [{"text": "list files"}]},
            {"role": "model", "parts": [{"functionCall": {"name": "bash",
                                                          "args": {"command": "ls"}}}]},
            {"role": "user", "parts": [{"functionResponse": {"name": "bash",
                                                             "response": "a.txt"}}]},
            {"role": "user", "parts": [{"text": "now stop"}]}]},
}


@pytest.mark.parametrize("protocol", list(BODIES))
def test_every_protocol_reads_into_the_same_chat(protocol: str) -> None:
    chat = chat_of(protocol, BODIES[protocol])
    if protocol == "gemini":  # a functionResponse's payload is JSON
        chat = Chat(chat.system, tuple(Turn(t.role, "a.txt") if t.role == "tool" else t
                                       for t in chat.turns), chat.tools, chat.max_tokens)
    assert chat == EXPECTED


def test_prompt_is_chatml_with_tools_in_the_system_message() -> None:
    prompt = render_prompt(CHATML, EXPECTED)
    assert prompt.startswith("<|im_start|>system\nYou are a coding agent.\n\nYou have access "
                             "to the following tools:\n<tools>[{\"name\": \"bash\"")
    assert ("<|im_start|>assistant\n<tool_call>[{\"name\": \"bash\", \"arguments\": "
            "{\"command\": \"ls\"}}]</tool_call><|im_end|>\n<|im_start|>tool\na.txt<|im_end|>\n"
            ) in prompt
    assert prompt.endswith("<|im_start|>user\nnow stop<|im_end|>\n<|im_start|>assistant\n")


def test_a_longer_chat_extends_the_prompt_of_the_shorter() -> None:
    """What makes llama.cpp's prefix cache work between a trial's turns."""
    short = Chat(EXPECTED.system, EXPECTED.turns[:1], EXPECTED.tools, None)
    long = render_prompt(CHATML, EXPECTED)
    head = render_prompt(CHATML, short).removesuffix("<|im_start|>assistant\n")
    assert long.startswith(head)


TOOLS = (ToolSpec("bash", SHELL), ToolSpec("apply_patch", kind="custom"))


@pytest.mark.parametrize(("completion", "text", "call"), [
    ('<tool_call>[{"name": "bash", "arguments": {"command": "ls -la"}}]</tool_call>',
     None, ("bash", {"command": "ls -la"})),
    ('Let me look.\n<tool_call>{"name": "bash", "arguments": "{\\"command\\": \\"pwd\\"}"}',
     "Let me look.", ("bash", {"command": "pwd"})),  # one object, arguments as JSON, unclosed
    ('<tool_call>[{"name": "nope", "arguments": {}}, {"name": "bash", "arguments": '
     '{"command": "id"}}]</tool_call>', None, ("bash", {"command": "id"})),
    ('<tool_call>[{"name": "apply_patch", "arguments": {"input": "*** Begin Patch"}}]'
     '</tool_call>', None, ("apply_patch", "*** Begin Patch")),
])
def test_tool_calls_are_read_from_the_completion(completion: str, text: str | None,
                                                 call: tuple[str, object]) -> None:
    parsed = parse_output(completion, TOOLS)
    assert parsed.text == text and parsed.malformed is None
    assert parsed.call is not None and (parsed.call.name, parsed.call.arguments) == call
    assert parsed.call.kind == ("custom" if call[0] == "apply_patch" else "function")


@pytest.mark.parametrize(("completion", "malformed"), [
    ("The files are a.txt and b.txt.", None),
    ("<tool_call>[{\"name\": \"bash\", \"arguments\": {\"command\": \"ls\"</tool_call>",
     "tool call is not JSON"),
    ("<tool_call>[{\"name\": \"rm_rf\", \"arguments\": {}}]</tool_call>", "no call of an"),
    ("<tool_call>[\"bash\", 3, null]</tool_call>", "no call of an"),
    ("<tool_call>{\"name\": \"bash\", \"arguments\": \"not json\"}</tool_call>", "no call of an"),
    ("<tool_call>", "no call of an"),
    ("<tool_call>" + "[" * 100000, "tool call is not JSON"),
])
def test_malformed_calls_come_back_as_the_whole_text(completion: str,
                                                     malformed: str | None) -> None:
    parsed = parse_output(completion, TOOLS)
    assert (parsed.text, parsed.call) == (completion, None)
    assert (parsed.malformed or "").startswith(malformed or "")
    assert (parsed.malformed is None) == (malformed is None)


def test_without_tools_offered_a_call_is_text() -> None:
    completion = '<tool_call>[{"name": "bash", "arguments": {}}]</tool_call>'
    assert parse_output(completion, ()).text == completion


def test_model_names_and_options() -> None:
    m = parse_local("smollm2?max_tokens=64&max_turns=3&price=openai/gpt-5")
    assert (m.name, m.max_tokens, m.max_turns, m.price) == ("smollm2", 64, 3, "openai/gpt-5")
    assert parse_local("/models/x.gguf").name == "/models/x.gguf"
    for bad, needle in [("gpt2", "unknown local model"), ("smollm2?turns=3", "unknown option"),
                        ("smollm2?max_tokens=lots", "integers"),
                        ("smollm2?max_turns=0", "at least 1")]:
        with pytest.raises(ValueError, match=needle):
            parse_local(bad)
