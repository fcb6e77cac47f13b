"""``qwen-code``: Qwen Code (a Gemini CLI fork), headless (``qwen -p``), on Chat Completions.

Self-report: the Claude-like final ``result`` object of ``--output-format json`` (``num_turns``,
``duration_ms``, ``usage{input_tokens, output_tokens, cache_read_input_tokens}``); no cost.
Its ``input_tokens`` is the whole prompt (the cached part included), as Chat Completions counts;
``output_tokens`` includes reasoning, whose count is in ``stats.models.<m>.tokens.thoughts``.
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


class QwenCode(CliAgent):
    name = "qwen-code"
    label = "Qwen Code"  # how the report names it
    default_version = "0.15.10"  # 0.16+ needs node 22; the 0.15 line runs on node 20
    package = NpmPackage("@qwen-code/qwen-code", "qwen")

    def launch(self, run: RunSpec) -> Launch:
        pick_protocol(run.protocols, ("openai-chat",), self.name, run.provider)
        argv = [f"{run.home}/node_modules/.bin/qwen", "-p", run.instruction, "-m", run.model,
                "--yolo", "--output-format", "json"]
        env = {"OPENAI_BASE_URL": run.base_url + "/v1", "OPENAI_API_KEY": run.api_key,
               "OPENAI_MODEL": run.model,
               "QWEN_CODE_NO_RELAUNCH": "true"}  # one process: no re-exec with more heap
        return Launch(argv=argv, env=env, files={".qwen/settings.json": qwen_settings()},
                      transcripts=(".qwen/tmp", ".qwen/projects"))

    def self_report(self, out: Outputs) -> SelfReport | None:
        return qwen_report(_result_event(out.stdout))


def qwen_settings() -> str:
    return json.dumps({
        # Without a selected auth type a headless run stops to ask for one.
        "security": {"auth": {"selectedType": "openai"}},
        "privacy": {"usageStatisticsEnabled": False},
        "telemetry": {"enabled": False},
        "general": {"disableAutoUpdate": True, "disableUpdateNag": True},
    }, indent=2)


def _result_event(stdout: str) -> dict[str, Any] | None:
    """The ``result`` object: qwen prints one JSON array of events, or JSONL, depending on
    version."""
    try:
        doc = json.loads(stdout.strip() or "null")
    except ValueError:
        doc = None
    events = doc if isinstance(doc, list) else json_lines(stdout)
    if isinstance(doc, dict):
        events = [doc]
    return next((e for e in reversed(events) if isinstance(e, dict)
                 and e.get("type") == "result"), None)


def qwen_report(result: dict[str, Any] | None) -> SelfReport | None:
    if result is None:
        return None
    u = result.get("usage") or {}
    total, cached = as_int(u.get("input_tokens")), as_int(u.get("cache_read_input_tokens"))
    duration = as_float(result.get("duration_ms"))
    models = (result.get("stats") or {}).get("models") or {}
    thoughts = [as_int((m.get("tokens") or {}).get("thoughts")) for m in models.values()
                if isinstance(m, dict)]
    reasoning = sum(t for t in thoughts if t is not None) if any(
        t is not None for t in thoughts) else None
    session = result.get("session_id")
    return SelfReport(
        usage=Usage(input=None if total is None else total - (cached or 0), cache_read=cached,
                    output=as_int(u.get("output_tokens")), reasoning=reasoning),
        turns=as_int(result.get("num_turns")),
        duration_s=duration / 1000 if duration is not None else None,
        session_id=session if isinstance(session, str) else None)
