"""What every CLI harness adapter shares: the parts it declares, and the run that wires them.

An adapter (one module per harness) is a subclass of :class:`CliAgent` that gives

- ``package`` and ``default_version``: what to install (``install.py`` does it once per version);
- ``launch(run) -> Launch``: a **pure** function of :class:`RunSpec` — the argv, the env, the config
  files (paths relative to HOME) and the transcript directories to keep;
- ``self_report(out) -> SelfReport | None``: a **pure** function of what the harness printed and
  wrote (:class:`Outputs`), its own account of usage.

:meth:`CliAgent.run` only wires them: write the files, run the argv in the sandbox with stdin
closed and the trial's timeout (which kills the process group), copy the transcripts to
``/logs/agent/home/``, and parse the self-report.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from agentindex.agents.base import AgentContext, AgentOutcome, SelfReport
from agentindex.agents.install import Installed, Package, ensure_installed, sandbox_dir
from agentindex.errors import ConfigError, InstallError, SandboxError
from agentindex.gateway.config import ProvidersConfig
from agentindex.sandbox.base import ExecResult, Sandbox

LOGS = "/logs/agent"  # kept as trials/<id>/agent/ by the runner
SETUP_TIMEOUT_S = 60.0
#: The variant setting ``harness_prompt``: ``default``, the harness as shipped, or ``lean``: the
#: same CLI and tool loop, sent a short system prompt (:data:`LEAN_SYSTEM`) and only its shell
#: tool(s). For small local models: Claude Code's own prompt is ~13k tokens and Codex's ~7k, whose
#: prefill takes SmolLM2 on one CPU thread minutes per call; lean ones are ~1.5k. A setting of the
#: variant, so it is in the variant's key and label ("(lean prompt)"): a lean run is never read as
#: the harness's default. A harness without a lean form refuses it (``CliAgent.lean_prompt``).
HARNESS_PROMPT = "harness_prompt"
HARNESS_PROMPTS = ("default", "lean")
LEAN_SYSTEM = ("You are a coding agent working in a Linux sandbox. Use the {tool} tool to inspect "
               "and change files and run commands. When the task is done, reply with a short "
               "summary and no tool call.")


@dataclass(frozen=True)
class RunSpec:
    """Everything a harness's launch depends on, as plain values (so ``launch`` stays pure)."""

    instruction: str
    provider: str  # 'anthropic' of 'anthropic/claude-opus-4-7'
    model: str  # 'claude-opus-4-7'
    base_url: str  # the trial's gateway prefix: http://127.0.0.1:PORT/t/<token>
    api_key: str  # the trial token
    protocols: tuple[str, ...]  # what the provider speaks, in its order of preference
    home: str  # the harness's install inside the sandbox, e.g. /opt/agentindex/agents/x@1
    workdir: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def effort(self) -> str | None:
        value = self.settings.get("reasoning_effort")
        return str(value) if value else None

    @property
    def lean(self) -> bool:
        """The variant asks for the harness's lean prompt (see :data:`HARNESS_PROMPT`)."""
        return self.settings.get(HARNESS_PROMPT) == "lean"


@dataclass(frozen=True)
class Launch:
    """What we hand a harness: ``files`` are relative to HOME; ``transcripts`` are HOME-relative
    directories or files kept under ``/logs/agent/home/`` after the run."""

    argv: list[str]
    env: dict[str, str]
    files: dict[str, str] = field(default_factory=dict)
    transcripts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outputs:
    """What a finished run left on the host: stdout, and the agent log directory."""

    stdout: str
    logs: Path


def split_model(model: str | None, agent: str) -> tuple[str, str]:
    """'anthropic/claude-opus-4-7' -> ('anthropic', 'claude-opus-4-7')."""
    provider, sep, name = (model or "").partition("/")
    if not sep or not name:
        raise ConfigError("--model", None, f"agent {agent!r} needs a model named provider/model "
                                           f"(got {model!r})")
    return provider, name


def provider_protocols(provider: str, given: tuple[str, ...]) -> tuple[str, ...]:
    """The wire protocols of ``provider``: as the runner gave them (its gateway's providers),
    else the built-in providers'; ConfigError for a provider neither knows."""
    return given or ProvidersConfig.defaults().spoken_by(provider)


def pick_protocol(spoken: tuple[str, ...], supported: tuple[str, ...], agent: str,
                  provider: str, wanted: object = None) -> str:
    """The protocol ``agent`` speaks to ``provider``: the one asked for (the variant setting
    ``protocol``) if both sides speak it, else the first of the harness's preference
    (``supported``) that the provider speaks (``spoken``). The one place this is decided;
    ConfigError naming agent, provider and both lists when there is none."""
    sides = (f"{agent} speaks {', '.join(supported)}; provider {provider!r} speaks "
             f"{', '.join(spoken) or 'nothing'}")
    if wanted is not None and (wanted not in spoken or wanted not in supported):
        raise ConfigError("--model", None, f"{agent} with provider {provider!r} cannot use "
                                           f"protocol {wanted!r} ({sides})")
    for protocol in ((wanted,) if isinstance(wanted, str) else supported):
        if protocol in spoken:
            return protocol
    raise ConfigError("--model", None, f"no wire protocol in common: {sides}")


def json_lines(text: str) -> list[dict[str, Any]]:
    """The JSON objects of a JSONL text; other lines (banners, warnings) are skipped."""
    events = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                events.append(value)
    return events


def last_json_object(text: str) -> dict[str, Any] | None:
    """The last top-level JSON object in ``text`` (a pretty-printed one counts)."""
    start = text.rfind("\n{")
    for candidate in (text[start + 1:] if start >= 0 else "", text.strip()):
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    events = json_lines(text)
    return events[-1] if events else None


def as_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def as_float(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


class CliAgent(ABC):
    """Base of the CLI adapters (see the module docstring)."""

    name: str
    default_version: ClassVar[str]
    package: ClassVar[Package]
    uses_model: bool = True
    # A key the harness itself needs, for one that talks to its vendor's service instead of the
    # gateway (cursor-cli); None for every harness the gateway serves.
    key_env: ClassVar[str | None] = None
    # Whether ``launch`` honours ``harness_prompt = "lean"`` (a short system prompt and only the
    # shell tool); a harness that does not is refused the setting by ``build``.
    lean_prompt: ClassVar[bool] = False

    def __init__(self) -> None:
        self.version: str | None = self.default_version

    @property
    def pinned(self) -> str:
        return self.version or self.default_version

    async def install(self, cache: Path) -> Installed | None:
        return await ensure_installed(cache, self.name, self.pinned, self.package)

    @abstractmethod
    def launch(self, run: RunSpec) -> Launch:
        """argv, env and config files for one run: a pure function of ``run``."""

    def self_report(self, out: Outputs) -> SelfReport | None:
        return None

    def check_settings(self, settings: Mapping[str, Any]) -> None:
        """ConfigError naming this harness for a shared variant setting it cannot honour:
        ``harness_prompt`` other than default or lean, or lean where it has no lean form."""
        prompt = settings.get(HARNESS_PROMPT, "default")
        if prompt not in HARNESS_PROMPTS:
            raise ConfigError("settings", None, f"{HARNESS_PROMPT} {prompt!r} is not one of "
                                                f"{', '.join(HARNESS_PROMPTS)}")
        if prompt == "lean" and not self.lean_prompt:
            lean = ", ".join(sorted(n for n, f in _lean_harnesses().items() if f)) or "none"
            raise ConfigError("settings", None, f"{HARNESS_PROMPT} 'lean': {self.name} has no "
                                                f"lean prompt (harnesses with one: {lean})")

    def build(self, run: RunSpec) -> Launch:
        """``launch(run)`` once the shared settings are checked (``check_settings``)."""
        self.check_settings(run.settings)
        return self.launch(run)

    def run_spec(self, ctx: AgentContext) -> RunSpec:
        provider, model = split_model(ctx.model, self.name)
        if ctx.base_url is None or ctx.api_key is None:
            raise ConfigError("--model", None, f"agent {self.name!r} runs through the gateway, "
                                               "but the trial has no gateway URL")
        return RunSpec(instruction=ctx.task.instruction, provider=provider, model=model,
                       base_url=ctx.base_url.rstrip("/"), api_key=ctx.api_key,
                       protocols=provider_protocols(provider, ctx.protocols),
                       home=sandbox_dir(self.name, self.pinned), workdir=ctx.sandbox.workdir,
                       settings=ctx.settings)

    async def run(self, ctx: AgentContext) -> AgentOutcome:
        launch = self.build(self.run_spec(ctx))
        ctx.logs.mkdir(parents=True, exist_ok=True)
        (ctx.logs / "launch.json").write_text(json.dumps(launch_record(launch), indent=2))
        await write_home_files(ctx.sandbox, launch.files, ctx.logs)
        result = await ctx.sandbox.exec(launch.argv, env=launch.env, timeout=ctx.timeout_sec,
                                        stdout=ctx.logs / "stdout.txt",
                                        stderr=ctx.logs / "stderr.txt")
        await keep_transcripts(ctx.sandbox, launch.transcripts, ctx.logs)
        await ctx.sandbox.get(LOGS, ctx.logs)
        if result.exit_code == 127 and NO_NODE in _tail(ctx.logs / "stderr.txt"):
            raise InstallError(f"{self.name} is a node program and this task's image has no "
                               "node: run it on the bwrap backend (the host's node), or on an "
                               "image that has node")
        stdout = (ctx.logs / "stdout.txt").read_text(errors="replace")
        return self.outcome(result, Outputs(stdout, ctx.logs))

    def outcome(self, result: ExecResult, out: Outputs) -> AgentOutcome:
        """The run's outcome with its self-report; a self-report that cannot be parsed is
        recorded as such (``self_report_error``) and the trial goes on to its verifier."""
        try:
            return AgentOutcome(result, self.self_report(out))
        # What a harness wrote is foreign data, and its parser ours: whatever either gets
        # wrong must not cost the trial its verification. Recorded, never hidden.
        except Exception as e:
            return AgentOutcome(result, None, f"{self.name} self-report could not be parsed: "
                                              f"{type(e).__name__}: {e}")


def _lean_harnesses() -> dict[str, bool]:
    from agentindex.agents import AGENTS

    return {name: bool(getattr(factory, "lean_prompt", False))
            for name, factory in AGENTS.items()}


REDACTED = "<redacted>"
#: What ``#!/usr/bin/env node`` says where there is no node (exit code 127).
NO_NODE = "/usr/bin/env: 'node': No such file or directory"


def _tail(path: Path, size: int = 4096) -> str:
    if not path.is_file():
        return ""
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - size))
        return f.read().decode(errors="replace")


def launch_record(launch: Launch) -> dict[str, Any]:
    """What ``launch.json`` keeps of a launch: the argv, the config files' paths, and the env's
    variable **names** only. Values are redacted, every one: some carry a credential (the trial
    token; for cursor-cli the user's own ``CURSOR_API_KEY``), and a page that ``view`` serves
    must never show one. The values are a pure function of the run (``launch``), so nothing is
    lost for debugging."""
    return {"argv": launch.argv, "env": dict.fromkeys(sorted(launch.env), REDACTED),
            "files": sorted(launch.files)}


# Runs in the sandbox: each file's text arrives in an env var, so nothing needs quoting.
_WRITE = 'for i in $(seq 0 $(($N - 1))); do eval "p=\\$P$i; c=\\$C$i"; ' \
         'mkdir -p "$(dirname "$HOME/$p")" && printf "%s" "$c" > "$HOME/$p" || exit 1; done'
_KEEP = 'cd "$HOME" || exit 0; for p in "$@"; do [ -e "$p" ] && ' \
        'cp -a --parents "$p" /logs/agent/home/; done; exit 0'


async def write_home_files(sandbox: Sandbox, files: Mapping[str, str], logs: Path) -> None:
    """Write ``files`` (HOME-relative path -> text) into the sandbox's HOME, in one exec."""
    if not files:
        return
    env = {"N": str(len(files))}
    for i, (path, text) in enumerate(files.items()):
        env[f"P{i}"], env[f"C{i}"] = path, text
    result = await sandbox.exec(["bash", "-c", _WRITE], env=env, timeout=SETUP_TIMEOUT_S,
                                stdout=logs / "setup.txt", stderr=logs / "setup.txt")
    _check_setup(result, "writing the harness's config files", logs)


async def keep_transcripts(sandbox: Sandbox, paths: tuple[str, ...], logs: Path) -> None:
    """Copy the harness's own transcripts (HOME-relative) to /logs/agent/home/."""
    if not paths:
        return
    await sandbox.exec(["bash", "-c", f"mkdir -p {LOGS}/home; {_KEEP}", "keep", *paths], env={},
                       timeout=SETUP_TIMEOUT_S, stdout=logs / "setup.txt",
                       stderr=logs / "setup.txt")


def _check_setup(result: ExecResult, what: str, logs: Path) -> None:
    if result.exit_code != 0:
        raise SandboxError(f"{what} failed (exit {result.exit_code}); see {logs / 'setup.txt'}")
