"""``codex``: OpenAI's Codex CLI, headless (``codex exec --json``), on the OpenAI Responses API.

Self-report: the ``turn.completed`` events of ``--json`` carry the session's usage (OpenAI's
convention: ``input_tokens`` includes the cached part); Codex gives no cost, turns or duration.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

from agentindex.agents.base import SelfReport
from agentindex.agents.harness import (
    LEAN_SYSTEM,
    CliAgent,
    Launch,
    Outputs,
    RunSpec,
    as_int,
    json_lines,
    pick_protocol,
)
from agentindex.agents.install import NpmPackage
from agentindex.usage import Usage

KEY_ENV = "AGENTINDEX_GATEWAY_KEY"
LEAN_FILE = ".codex/lean_instructions.md"  # under HOME; config.toml names it relative to itself
#: The npm package's platform builds: machine -> (package suffix, target triple).
NATIVE = {"x86_64": ("x64", "x86_64-unknown-linux-musl"),
          "aarch64": ("arm64", "aarch64-unknown-linux-musl")}


def native_binary(home: str) -> str:
    """Codex's own binary (static, musl) in its platform package. Run directly: the npm command
    is a node script that only finds and execs it, and a task's image need not have node."""
    suffix, triple = NATIVE.get(platform.machine(), NATIVE["x86_64"])
    return f"{home}/node_modules/@openai/codex-linux-{suffix}/vendor/{triple}/bin/codex"


class Codex(CliAgent):
    name = "codex"
    label = "Codex"  # how the report names it
    default_version = "0.171.0"
    package = NpmPackage("@openai/codex", "codex")
    lean_prompt = True  # its instructions file and shell tools only: ~1.6k prompt tokens, not ~7k

    def launch(self, run: RunSpec) -> Launch:
        pick_protocol(run.protocols, ("openai-responses",), self.name, run.provider)
        argv = [native_binary(run.home), "exec", "--json",
                "--skip-git-repo-check",  # tasks are not always git repositories
                "--disable", "plugins",
                # Codex's own sandbox (bwrap under CODEX_HOME) fails inside ours; ours isolates.
                "--dangerously-bypass-approvals-and-sandbox",
                "-m", run.model, run.instruction]
        # What the npm script would set before exec'ing the binary.
        env = {KEY_ENV: run.api_key, "CODEX_MANAGED_BY_NPM": "1",
               "CODEX_MANAGED_PACKAGE_ROOT": f"{run.home}/node_modules/@openai/codex"}
        files = {".codex/config.toml": codex_config(run)}
        if run.lean:
            files[LEAN_FILE] = LEAN_SYSTEM.format(tool="exec_command") + "\n"
        return Launch(argv=argv, env=env, files=files,
                      transcripts=(".codex/sessions",))

    def self_report(self, out: Outputs) -> SelfReport | None:
        return codex_report(json_lines(out.stdout))


def _toml(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


#: ``harness_prompt = "lean"``: Codex's base instructions replaced by LEAN_FILE, and what else it
#: sends up front left out: the sandbox-permissions text and the web-search tool (with the
#: ``[features]`` and ``[skills]`` lines below: sub-agent, goal and image tools, the skills list).
#: Left: its shell tools (exec_command, write_stdin), request_user_input (no key found to turn it
#: off in 0.171.0) and the environment context (cwd, shell, date). Checked by counting the
#: prompt's tokens at the gateway: 6,784 -> 1,604 with local/smollm2 (docs/PERFORMANCE.md).
LEAN_CONFIG = [
    f"model_instructions_file = {json.dumps(Path(LEAN_FILE).name)}",
    "include_permissions_instructions = false",
    'web_search = "disabled"',
]
LEAN_TABLES = ["[features]", "multi_agent = false", "goals = false", "view_image = false", "",
               "[skills]", "include_instructions = false", ""]


def codex_config(run: RunSpec) -> str:
    """``~/.codex/config.toml``: a custom provider pointing at the gateway."""
    lines = [
        f"model = {_toml(run.model)}",
        # A custom provider: Codex ignores OPENAI_BASE_URL, and its default provider retries
        # "waiting for network" forever when api.openai.com is unreachable.
        'model_provider = "agentindex"',
        "check_for_update_on_startup = false",
    ]
    if run.effort:
        lines.append(f"model_reasoning_effort = {_toml(run.effort)}")
    if run.lean:
        lines += LEAN_CONFIG
    lines += [
        "",
        "[model_providers.agentindex]",
        'name = "agentindex gateway"',
        f"base_url = {_toml(run.base_url + '/v1')}",
        'wire_api = "responses"',  # the only one Codex accepts now ("chat" is rejected)
        f"env_key = {_toml(KEY_ENV)}",  # sent as Authorization: Bearer <trial token>
        "",
        *(LEAN_TABLES if run.lean else []),
        "[analytics]",
        "enabled = false",
        "",
        "[otel]",
        'exporter = "none"',
        "",
    ]
    return "\n".join(lines)


def codex_report(events: list[dict[str, Any]]) -> SelfReport | None:
    """Codex's ``--json`` events -> SelfReport: the usage of every ``turn.completed``, summed."""
    usage: Usage | None = None
    for e in events:
        if e.get("type") == "turn.completed" and isinstance(e.get("usage"), dict):
            usage = (usage or Usage()) + responses_usage(e["usage"])
    if usage is None:
        return None
    thread = next((e.get("thread_id") for e in events if e.get("type") == "thread.started"), None)
    return SelfReport(usage=usage, session_id=thread if isinstance(thread, str) else None)


def responses_usage(u: dict[str, Any]) -> Usage:
    """Codex's usage counts cached tokens inside ``input_tokens``; ours are uncached only."""
    total, cached = as_int(u.get("input_tokens")), as_int(u.get("cached_input_tokens"))
    written = as_int(u.get("cache_write_input_tokens"))
    uncached = None if total is None else total - (cached or 0) - (written or 0)
    return Usage(input=uncached, cache_read=cached, cache_write_5m=written,
                 output=as_int(u.get("output_tokens")),
                 reasoning=as_int(u.get("reasoning_output_tokens")))
