"""``builtin``: our own minimal reference harness: any model measured without a vendor CLI.

The loop itself is ``builtin_loop.py`` (standard library only), copied into the sandbox's HOME and
run there on the system ``python3``; it speaks whichever wire protocol the model's provider does
(the variant setting ``protocol`` picks one when the provider speaks several; ``read_timeout``,
seconds, is how long it waits for a response's next bytes before retrying the call, default
600). Nothing to install.

Self-report: ``/logs/agent/builtin.jsonl``, one line per HTTP try, with the provider's raw usage
converted by the gateway's own per-protocol functions.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agentindex.agents.base import SelfReport
from agentindex.agents.harness import CliAgent, Launch, Outputs, RunSpec, pick_protocol
from agentindex.agents.install import Installed
from agentindex.gateway.anthropic import anthropic_usage
from agentindex.gateway.gemini import gemini_usage
from agentindex.gateway.openai_chat import chat_usage
from agentindex.gateway.openai_responses import responses_usage
from agentindex.usage import Usage

SCRIPT = ".agentindex/builtin_loop.py"  # under HOME
LOG = "builtin.jsonl"  # under /logs/agent
USAGE: dict[str, Callable[[dict[str, Any]], Usage]] = {
    "anthropic": anthropic_usage, "openai-chat": chat_usage,
    "openai-responses": responses_usage, "gemini": gemini_usage}
VERSION = "1"


@functools.cache
def loop_source() -> str:
    return (Path(__file__).parent / "builtin_loop.py").read_text()


class Builtin(CliAgent):
    name = "builtin"
    label = "builtin"  # how the report names it
    default_version = VERSION
    # Its default is already lean (one bash tool, a three-sentence prompt): the same launch, so a
    # job can run it beside lean Claude Code and Codex.
    lean_prompt = True

    async def install(self, cache: Path) -> Installed | None:
        return None  # runs on the sandbox's python3, shipped with this package

    def launch(self, run: RunSpec) -> Launch:
        protocol = builtin_protocol(run)
        # bash only to find the script under the sandbox's HOME; exec leaves python3 alone.
        argv = ["bash", "-c", f'exec python3 "$HOME/{SCRIPT}" "$@"', "builtin",
                "--protocol", protocol, "--model", run.model, "--base-url", run.base_url,
                "--instruction", run.instruction, "--log", f"/logs/agent/{LOG}"]
        if (timeout := run.settings.get("read_timeout")) is not None:
            argv += ["--read-timeout", str(float(timeout))]
        return Launch(argv=argv, env={"AGENTINDEX_API_KEY": run.api_key},
                      files={SCRIPT: loop_source()})

    def self_report(self, out: Outputs) -> SelfReport | None:
        try:
            text = (out.logs / LOG).read_text()
        except OSError:
            return None
        return builtin_report(text)


def builtin_protocol(run: RunSpec) -> str:
    return pick_protocol(run.protocols, tuple(USAGE), "builtin", run.provider,
                         run.settings.get("protocol"))


def builtin_report(log: str) -> SelfReport | None:
    """The loop's JSONL log -> SelfReport: usage of every answered call, the call count, and
    the text of the last call when it made no tool call (the final message)."""
    usage, turns, final = Usage(), 0, None
    for line in log.splitlines():
        record = json.loads(line)
        if "usage" in record:
            turns += 1
            final = record.get("final")
            if isinstance(record["usage"], dict):
                usage += USAGE[record["protocol"]](record["usage"])
    return SelfReport(usage=usage, turns=turns, final_message=final) if turns else None
