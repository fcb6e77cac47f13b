"""Scripted models: the shell tool each harness offers, the oracle's steps, fixed usage."""

from __future__ import annotations

import pytest

from agentindex.gateway.anthropic import anthropic_request
from agentindex.gateway.gemini import gemini_request
from agentindex.gateway.openai_chat import chat_request
from agentindex.gateway.openai_responses import responses_request
from agentindex.gateway.protocols import PROTOCOLS
from agentindex.gateway.scripted import (
    CHAOS_FAULTS,
    SUBMIT,
    ScriptedContext,
    chaos_fault,
    encoded,
    find_shell_tool,
    oracle_reply,
    parse_scripted,
    scripted_usage,
)
from agentindex.gateway.wire import CallRequest, ToolSpec

STR = {"type": "string"}
CTX = ScriptedContext(solution="cd /app && echo 'fixed' > out.txt\n", answer="All done.")


def _obj(**props):
    return {"type": "object", "properties": props, "required": list(props)}


@pytest.mark.parametrize(("request_", "name", "arguments"), [
    # Claude Code: Bash{command, description?, timeout?} among ~9 tools
    (anthropic_request({"model": "m", "messages": [{"role": "system", "content": "be brief"},
                                                   {"role": "user", "content": "go"}],
                        "tools": [{"name": "Read", "input_schema": _obj(file_path=STR)},
                                  {"name": "Bash", "input_schema": {
                                      "type": "object", "required": ["command"],
                                      "properties": {"command": STR, "description": STR,
                                                     "timeout": {"type": "number"}}}}]}),
     "Bash", {"command": encoded(CTX.solution or "")}),
    # Codex, classic tools: exec_command{cmd}
    (responses_request({"model": "gpt-5", "input": [], "tools": [
        {"type": "function", "name": "exec_command", "parameters": _obj(cmd=STR)},
        {"type": "custom", "name": "apply_patch"}]}),
     "exec_command", {"cmd": encoded(CTX.solution or "")}),
    # Codex: shell{command: array}
    (responses_request({"model": "gpt-5", "input": [], "tools": [
        {"type": "function", "name": "shell",
         "parameters": _obj(command={"type": "array", "items": STR})}]}),
     "shell", {"command": ["bash", "-c", CTX.solution]}),
    # Codex: tools in an additional_tools input item (a JS exec custom tool)
    (responses_request({"model": "gpt-5", "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "go"}]},
        {"type": "additional_tools", "tools": [{"type": "custom", "name": "exec"}]}]}),
     "exec", None),
    # Gemini CLI / Qwen Code: run_shell_command{command, description?}
    (gemini_request({"contents": [], "tools": [{"functionDeclarations": [
        {"name": "read_file", "parameters": _obj(absolute_path=STR)},
        {"name": "run_shell_command", "parametersJsonSchema": {
            "type": "object", "properties": {"command": STR, "description": STR},
            "required": ["command"]}}]}]}, "g"),
     "run_shell_command", {"command": encoded(CTX.solution or "")}),
    (chat_request({"model": "qwen", "messages": [], "tools": [{"type": "function", "function": {
        "name": "run_shell_command", "parameters": _obj(command=STR, description=STR)}}]}),
     "run_shell_command", {"command": encoded(CTX.solution or ""), "description": "scripted step"}),
    # OpenCode: bash{command, description}
    (anthropic_request({"model": "m", "messages": [], "tools": [
        {"name": "bash", "input_schema": _obj(command=STR, description=STR)}]}),
     "bash", {"command": encoded(CTX.solution or ""), "description": "scripted step"}),
])
def test_oracle_uses_the_harness_shell_tool(request_, name, arguments):
    reply = oracle_reply(request_, CTX, "m")
    assert reply.tool_call is not None and reply.tool_call.name == name
    if arguments is None:  # custom JS tool: the script goes through child_process
        assert "spawnSync" in str(reply.tool_call.arguments)
    else:
        assert reply.tool_call.arguments == arguments


def test_oracle_finishes_after_the_tool_result():
    body = {"model": "m", "tools": [{"name": "Bash", "input_schema": _obj(command=STR)}],
            "messages": [{"role": "user", "content": "go"},
                         {"role": "assistant", "content": [{"type": "tool_use", "id": "t",
                                                            "name": "Bash", "input": {}}]},
                         {"role": "user", "content": [{"type": "tool_result",
                                                       "tool_use_id": "t", "content": "ok"}]}]}
    reply = oracle_reply(anthropic_request(body), CTX, "m")
    assert reply.tool_call is None and reply.text == "All done."


def test_oracle_without_tools_speaks_mini_swe_agent():
    start = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    first = oracle_reply(chat_request(start), CTX, "m")
    assert first.text is not None and "```bash\n" + encoded(CTX.solution or "") in first.text
    second = oracle_reply(chat_request({"model": "m", "messages": [
        {"role": "user", "content": "x"}, {"role": "assistant", "content": first.text},
        {"role": "user", "content": "<output>ok</output>"}]}), CTX, "m")
    assert second.text is not None and f"```bash\n{SUBMIT}\n```" in second.text


def test_no_shell_tool_found_among_other_tools():
    assert find_shell_tool((ToolSpec("Read", _obj(file_path=STR)), ToolSpec("Bash", {}))) is None


def test_parse_scripted():
    assert parse_scripted("oracle?price=anthropic/claude-sonnet-4-5").price == \
        "anthropic/claude-sonnet-4-5"
    with pytest.raises(ValueError, match="unknown scripted model"):
        parse_scripted("nope")


@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
@pytest.mark.parametrize("stream", [False, True])
def test_rendered_usage_is_read_back_exactly(protocol, stream):
    wire = PROTOCOLS[protocol]
    req = CallRequest("m", stream, wants_usage=True)
    rendered = wire.render(oracle_reply(req, CTX, "m"), req)
    if stream:
        scanner = wire.stream_scanner(req)
        for chunk in rendered.chunks:
            scanner.feed(chunk)
        usage = scanner.finish()[1].usage
    else:
        import json
        usage = wire.scan_body(json.loads(rendered.chunks[0])).usage
    assert usage == scripted_usage(protocol)


def test_oracle_submits_by_command_when_the_harness_asks_for_it():
    """mini-swe-agent 2.x uses tool calls and finishes when a command prints its marker."""

    body = {"model": "m", "tools": [{"name": "bash", "input_schema": _obj(command=STR)}],
            "messages": [{"role": "user", "content": "go"},
                         {"role": "assistant", "content": [{"type": "tool_use", "id": "t",
                                                            "name": "bash", "input": {}}]},
                         {"role": "user", "content": [{"type": "tool_result",
                                                       "tool_use_id": "t", "content": "ok"}]}]}
    reply = oracle_reply(anthropic_request(body), CTX, "m", submit=True)
    assert reply.tool_call is not None
    assert reply.tool_call.arguments == {"command": encoded(SUBMIT)}


def test_chaos_draws_are_seeded_and_at_the_rate():
    model = parse_scripted("chaos?seed=4&rate=0.3")
    draws = [chaos_fault(model, "trial", n) for n in range(1, 2001)]
    assert draws == [chaos_fault(model, "trial", n) for n in range(1, 2001)]
    kinds = {d.kind for d in draws if d is not None}
    assert kinds == set(CHAOS_FAULTS)
    assert 500 < sum(d is not None for d in draws) < 700
    other = parse_scripted("chaos?seed=5&rate=0.3")
    assert draws != [chaos_fault(other, "trial", n) for n in range(1, 2001)]


@pytest.mark.parametrize("bad", ["chaos?rate=2", "chaos?faults=429,boom", "chaos?stall=x"])
def test_chaos_options_are_checked(bad):
    with pytest.raises(ValueError, match="scripted/chaos"):
        parse_scripted(bad)
