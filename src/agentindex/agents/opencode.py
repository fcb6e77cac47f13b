"""``opencode``: OpenCode, headless (``opencode run --format json``), on whichever wire protocol its
provider uses: Anthropic Messages, OpenAI Responses, or Chat Completions (``openai-compatible``).

Self-report: one ``step_finish`` event per model call with ``tokens{input, output, reasoning,
cache{read, write}}`` and ``cost``; summed here (OpenCode prints no total).
"""

from __future__ import annotations

import json
from typing import Any

from agentindex.agents.base import SelfReport
from agentindex.agents.harness import (
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
from agentindex.usage import Usage

# wire protocol -> (OpenCode provider id, its AI-SDK package); the order is our preference.
PROVIDERS = {
    "anthropic": ("anthropic", "@ai-sdk/anthropic"),
    "openai-responses": ("openai", "@ai-sdk/openai"),
    "openai-chat": ("agentindex", "@ai-sdk/openai-compatible"),
}


class OpenCode(CliAgent):
    name = "opencode"
    label = "OpenCode"  # how the report names it
    default_version = "1.18.33"
    package = NpmPackage("opencode-ai", "opencode")

    def launch(self, run: RunSpec) -> Launch:
        protocol = pick_protocol(run.protocols, tuple(PROVIDERS), self.name, run.provider,
                                 run.settings.get("protocol"))
        provider_id = PROVIDERS[protocol][0]
        argv = [f"{run.home}/node_modules/.bin/opencode", "run", "--pure", "--format", "json",
                "-m", f"{provider_id}/{run.model}", run.instruction]
        env = {
            "OPENCODE_CONFIG_CONTENT": json.dumps(opencode_config(run, protocol)),
            # No fetch of models.dev's catalogue, no self-update, no plugin or LSP downloads:
            # none of those hosts is reachable, and each would add traffic that is not the agent.
            "OPENCODE_DISABLE_MODELS_FETCH": "1",
            "OPENCODE_DISABLE_AUTOUPDATE": "1",
            "OPENCODE_DISABLE_DEFAULT_PLUGINS": "1",
            "OPENCODE_DISABLE_LSP_DOWNLOAD": "1",
        }
        return Launch(argv=argv, env=env, transcripts=(".local/share/opencode",))

    def self_report(self, out: Outputs) -> SelfReport | None:
        return opencode_report(json_lines(out.stdout))


def opencode_config(run: RunSpec, protocol: str) -> dict[str, Any]:
    provider_id, npm = PROVIDERS[protocol]
    model: dict[str, Any] = {"name": run.model}
    if run.effort:
        model["options"] = {"reasoningEffort": run.effort}
    provider: dict[str, Any] = {
        "npm": npm, "name": "agentindex gateway",
        "options": {"baseURL": run.base_url + "/v1", "apiKey": run.api_key},
        # Declared, so a model name OpenCode's catalogue does not know is still accepted.
        "models": {run.model: model},
    }
    return {
        "$schema": "https://opencode.ai/config.json",
        "provider": {provider_id: provider},
        "model": f"{provider_id}/{run.model}",
        # The title side call goes to the small model; the variant's own model is the one the
        # gateway's provider is sure to serve.
        "small_model": f"{provider_id}/{run.model}",
        "permission": {"*": "allow"},  # unattended: every tool call is allowed
        "autoupdate": False,
        "share": "disabled",
    }


def opencode_report(events: list[dict[str, Any]]) -> SelfReport | None:
    """OpenCode's ``--format json`` events -> SelfReport: every ``step_finish`` summed."""
    usage, cost, steps, session = None, None, 0, None
    for e in events:
        part: dict[str, Any] = e["part"] if isinstance(e.get("part"), dict) else e
        if e.get("type") != "step_finish" and part.get("type") != "step-finish":
            continue
        steps += 1
        usage = (usage or Usage()) + step_usage(part.get("tokens") or {})
        if (c := as_float(part.get("cost"))) is not None:
            cost = (cost or 0.0) + c
        session = session or e.get("sessionID") or part.get("sessionID")
    if usage is None:
        return None
    return SelfReport(usage=usage, cost_usd=cost, turns=steps,
                      session_id=session if isinstance(session, str) else None)


def step_usage(t: dict[str, Any]) -> Usage:
    """OpenCode's ``input`` is already uncached; its ``output`` excludes ``reasoning``."""
    cache = t.get("cache") or {}
    output, reasoning = as_int(t.get("output")), as_int(t.get("reasoning"))
    total_out = None if output is None else output + (reasoning or 0)
    return Usage(input=as_int(t.get("input")), cache_read=as_int(cache.get("read")),
                 cache_write_5m=as_int(cache.get("write")), output=total_out,
                 reasoning=reasoning)
