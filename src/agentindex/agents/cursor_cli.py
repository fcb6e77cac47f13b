"""``cursor-cli``: Cursor's agent CLI, headless (``cursor-agent --print``).

It talks only to Cursor's own service (no way to point it at another base URL is known), so it is
the one harness that cannot run through our gateway: it runs with ``CURSOR_API_KEY`` from the
runner's environment, needs the internet, and its usage comes **only from its own report** — the
``usage{inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens}`` of its final ``result``
event (stream-json), with ``cost`` when given. A report must say so (usage source: self-report).

It is installed by Cursor's script from cursor.com; where that cannot be reached (these machines)
the install fails fast with an InstallError that names the reason.
"""

from __future__ import annotations

import os
from typing import Any

from agentindex.agents.base import AgentContext, SelfReport
from agentindex.agents.harness import (
    CliAgent,
    Launch,
    Outputs,
    RunSpec,
    as_float,
    as_int,
    json_lines,
    split_model,
)
from agentindex.agents.install import ScriptPackage, sandbox_dir
from agentindex.errors import ConfigError
from agentindex.usage import Usage


class CursorCli(CliAgent):
    name = "cursor-cli"
    label = "Cursor CLI"  # how the report names it
    key_env = "CURSOR_API_KEY"  # its own key: it talks to Cursor's service, not the gateway
    # Cursor's script installs its current build and takes no version; NAME@BUILD (e.g.
    # cursor-cli@2026.01.09-231024f) fetches that build's archive instead.
    default_version = "latest"
    package = ScriptPackage(
        script="https://cursor.com/install",
        archive="https://downloads.cursor.com/lab/{version}/linux/x64/agent-cli-package.tar.gz",
        bin=".local/bin/cursor-agent")

    def run_spec(self, ctx: AgentContext) -> RunSpec:
        provider, model = split_model(ctx.model, self.name)
        key = os.environ.get(self.key_env)
        if not key:
            raise ConfigError(self.key_env, None, "cursor-cli runs on Cursor's own service "
                              "and needs CURSOR_API_KEY in the environment")
        return RunSpec(instruction=ctx.task.instruction, provider=provider, model=model,
                       base_url="", api_key=key, protocols=(),
                       home=sandbox_dir(self.name, self.pinned), workdir=ctx.sandbox.workdir,
                       settings=ctx.settings)

    def launch(self, run: RunSpec) -> Launch:
        exe = f"{run.home}/dist/cursor-agent" if self.pinned != "latest" \
            else self.package.executable(run.home)[0]
        argv = [exe, "--print", "--output-format", "stream-json",
                "--force",  # run every command without asking (unattended)
                "--model", run.model, "--", run.instruction]
        return Launch(argv=argv, env={"CURSOR_API_KEY": run.api_key},
                      transcripts=(".cursor/chats",))

    def self_report(self, out: Outputs) -> SelfReport | None:
        return cursor_report(json_lines(out.stdout))


def cursor_report(events: list[dict[str, Any]]) -> SelfReport | None:
    """The ``result`` event of cursor-agent's stream-json -> SelfReport."""
    result = next((e for e in reversed(events) if e.get("type") == "result"), None)
    if result is None:
        return None
    u = result.get("usage") or {}
    duration = as_float(result.get("duration_ms"))
    session = result.get("session_id")
    return SelfReport(
        usage=Usage(input=as_int(u.get("inputTokens")), cache_read=as_int(u.get("cacheReadTokens")),
                    cache_write_5m=as_int(u.get("cacheWriteTokens")),
                    output=as_int(u.get("outputTokens"))),
        cost_usd=as_float(u.get("cost")),
        duration_s=duration / 1000 if duration is not None else None,
        session_id=session if isinstance(session, str) else None)
