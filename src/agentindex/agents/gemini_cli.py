"""``gemini-cli``: Google's Gemini CLI, headless (``gemini -p``), on the Gemini API.

Self-report: ``stats.models.<model>`` of ``--output-format json``: ``tokens.prompt`` includes the
cached part (``tokens.cached``), ``candidates`` excludes thoughts; ``api.totalRequests`` counts
calls. No cost, no turn count.
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
    as_int,
    last_json_object,
    pick_protocol,
)
from agentindex.agents.install import NpmPackage
from agentindex.usage import Usage


class GeminiCli(CliAgent):
    name = "gemini-cli"
    label = "Gemini CLI"  # how the report names it
    default_version = "0.61.0"
    package = NpmPackage("@google/gemini-cli", "gemini")

    def launch(self, run: RunSpec) -> Launch:
        pick_protocol(run.protocols, ("gemini",), self.name, run.provider)
        argv = [f"{run.home}/node_modules/.bin/gemini", "-p", run.instruction,
                # -m: the default "auto" adds a router call on a small model to every turn.
                "-m", run.model, "--output-format", "json", "--yolo",
                # Without it --yolo is silently switched off in a folder not trusted yet.
                "--skip-trust"]
        env = {"GOOGLE_GEMINI_BASE_URL": run.base_url, "GEMINI_API_KEY": run.api_key,
               "GEMINI_CLI_NO_RELAUNCH": "true"}  # one process: no re-exec with more heap
        return Launch(argv=argv, env=env, files={".gemini/settings.json": gemini_settings(run)},
                      transcripts=(".gemini/tmp",))

    def self_report(self, out: Outputs) -> SelfReport | None:
        return gemini_report(last_json_object(out.stdout))


def gemini_settings(run: RunSpec) -> str:
    settings: dict[str, Any] = {
        # With only env vars and a base URL it exits 41 "Invalid auth method selected".
        "security": {"auth": {"selectedType": "gemini-api-key"}},
        "privacy": {"usageStatisticsEnabled": False},
        "telemetry": {"enabled": False},
        "general": {"disableAutoUpdate": True, "disableUpdateNag": True},
    }
    if run.effort:
        settings["model"] = {"thinkingLevel": run.effort}
    return json.dumps(settings, indent=2)


def gemini_report(doc: dict[str, Any] | None) -> SelfReport | None:
    """Gemini CLI's ``--output-format json`` document -> SelfReport (None without stats)."""
    models = ((doc or {}).get("stats") or {}).get("models")
    if not isinstance(models, dict) or not models:
        return None
    usage, calls = Usage(), 0
    for m in models.values():
        tokens = m.get("tokens") or {}
        usage += gemini_tokens(tokens)
        calls += as_int((m.get("api") or {}).get("totalRequests")) or 0
    session = (doc or {}).get("session_id")
    # api.totalLatencyMs is time spent in API calls, not the run's duration: not reported.
    return SelfReport(usage=usage, turns=calls or None,
                      session_id=session if isinstance(session, str) else None)


def gemini_tokens(t: dict[str, Any]) -> Usage:
    """``prompt`` includes ``cached``; output = ``candidates`` + ``thoughts`` (ours includes
    reasoning)."""
    prompt, cached = as_int(t.get("prompt")), as_int(t.get("cached"))
    candidates, thoughts = as_int(t.get("candidates")), as_int(t.get("thoughts"))
    output = None if candidates is None and thoughts is None else \
        (candidates or 0) + (thoughts or 0)
    return Usage(input=None if prompt is None else prompt - (cached or 0), cache_read=cached,
                 output=output, reasoning=thoughts)
