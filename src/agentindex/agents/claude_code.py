"""``claude-code``: Anthropic's Claude Code, headless (``claude -p``), on the Messages API.

Self-report: the final ``result`` event of ``--output-format stream-json``. Its ``usage`` covers
the main loop only; ``modelUsage`` covers every model Claude Code called (side calls included), so
the self-report sums ``modelUsage`` — the same set of calls the gateway sees. Its cost prices
unknown model names as its default model, so it is kept as reported and never used for the index.
"""

from __future__ import annotations

from typing import Any

from agentindex.agents.base import SelfReport
from agentindex.agents.harness import (
    LEAN_SYSTEM,
    CliAgent,
    Launch,
    Outputs,
    RunSpec,
    as_float,
    as_int,
    json_lines,
    pick_protocol,
)
from agentindex.agents.install import NpmPackage
from agentindex.gateway.anthropic import anthropic_usage
from agentindex.usage import Usage


class ClaudeCode(CliAgent):
    name = "claude-code"
    label = "Claude Code"  # how the report names it
    default_version = "2.1.197"  # the newest that `npm install` resolves on node 20
    package = NpmPackage("@anthropic-ai/claude-code", "claude")
    lean_prompt = True  # --system-prompt and --tools Bash: ~1.4k prompt tokens instead of ~13k

    def launch(self, run: RunSpec) -> Launch:
        pick_protocol(run.protocols, ("anthropic",), self.name, run.provider)
        argv = [f"{run.home}/node_modules/.bin/claude", "-p", run.instruction,
                "--model", run.model, "--output-format", "stream-json", "--verbose",
                "--dangerously-skip-permissions"]
        if run.effort:
            argv += ["--effort", run.effort]
        if run.lean:  # its own loop, with a short system prompt and only its Bash tool
            argv += ["--system-prompt", LEAN_SYSTEM.format(tool="Bash"), "--tools", "Bash"]
        return Launch(argv=argv, env=claude_env(run), transcripts=(".claude/projects",))

    def self_report(self, out: Outputs) -> SelfReport | None:
        return claude_report(json_lines(out.stdout))


def claude_env(run: RunSpec) -> dict[str, str]:
    env = {
        "ANTHROPIC_BASE_URL": run.base_url,
        "ANTHROPIC_API_KEY": run.api_key,  # sent as x-api-key; the gateway swaps it for the key
        # No calls to Anthropic's own hosts (telemetry, error reports, update checks) and no
        # session-title side call: the gateway is the only host the sandbox may reach.
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_AUTOUPDATER": "1",
        # Without it a non-Anthropic base URL makes Claude Code send all ~25 tool definitions up
        # front instead of ~9 plus ToolSearch: every prompt would be inflated, tokens unfaithful.
        "ENABLE_TOOL_SEARCH": "true",
        # As root, --dangerously-skip-permissions refuses to run unless told it is in a sandbox.
        "IS_SANDBOX": "1",
    }
    if run.provider != "anthropic":
        # Side calls name a Haiku model, which an Anthropic-compatible provider (GLM, Kimi,
        # DeepSeek) does not serve: point them at the variant's own model.
        env["ANTHROPIC_DEFAULT_HAIKU_MODEL"] = run.model
        env["ANTHROPIC_SMALL_FAST_MODEL"] = run.model
    return env


def claude_report(events: list[dict[str, Any]]) -> SelfReport | None:
    """The ``result`` event of Claude Code's stream-json -> SelfReport (None without one)."""
    result = next((e for e in reversed(events) if e.get("type") == "result"), None)
    if result is None:
        return None
    per_model = result.get("modelUsage")
    if isinstance(per_model, dict) and per_model:
        usage = sum((model_usage(m) for m in per_model.values() if isinstance(m, dict)), Usage())
    else:
        usage = anthropic_usage(result.get("usage") or {})
    duration = as_float(result.get("duration_ms"))
    return SelfReport(usage=usage, cost_usd=as_float(result.get("total_cost_usd")),
                      turns=as_int(result.get("num_turns")),
                      duration_s=duration / 1000 if duration is not None else None,
                      session_id=result.get("session_id"),
                      final_message=result.get("result") if isinstance(result.get("result"), str)
                      else None)


def model_usage(m: dict[str, Any]) -> Usage:
    """One ``modelUsage`` entry (camelCase; its cache writes are not split by lifetime: 5 m is
    Claude Code's default)."""
    return Usage(input=as_int(m.get("inputTokens")),
                 cache_read=as_int(m.get("cacheReadInputTokens")),
                 cache_write_5m=as_int(m.get("cacheCreationInputTokens")),
                 output=as_int(m.get("outputTokens")))
