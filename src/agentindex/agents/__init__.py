"""Agents, registered in one place. Named ``NAME`` or ``NAME@VERSION``."""

from __future__ import annotations

from collections.abc import Callable

from agentindex.agents.base import Agent, AgentContext, AgentOutcome, SelfReport
from agentindex.agents.builtin import Builtin
from agentindex.agents.claude_code import ClaudeCode
from agentindex.agents.codex import Codex
from agentindex.agents.cursor_cli import CursorCli
from agentindex.agents.gemini_cli import GeminiCli
from agentindex.agents.mini_swe_agent import MiniSweAgent
from agentindex.agents.nop import NopAgent
from agentindex.agents.opencode import OpenCode
from agentindex.agents.oracle import OracleAgent
from agentindex.agents.qwen_code import QwenCode
from agentindex.errors import ConfigError

AGENTS: dict[str, Callable[[], Agent]] = {
    "oracle": OracleAgent,
    "nop": NopAgent,
    "claude-code": ClaudeCode,
    "codex": Codex,
    "gemini-cli": GeminiCli,
    "qwen-code": QwenCode,
    "opencode": OpenCode,
    "mini-swe-agent": MiniSweAgent,
    "cursor-cli": CursorCli,
    "builtin": Builtin,
}


def get_agent(spec: str) -> Agent:
    name, _, version = spec.partition("@")
    if name not in AGENTS:
        raise ConfigError("--agent", None, f"unknown agent {name!r} (known: {', '.join(AGENTS)})")
    agent = AGENTS[name]()
    if version:
        if not agent.uses_model and agent.version is None:
            raise ConfigError("--agent", None, f"agent {name!r} has no versions")
        agent.version = version
    return agent


__all__ = ["AGENTS", "Agent", "AgentContext", "AgentOutcome", "SelfReport", "get_agent"]
