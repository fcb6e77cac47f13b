"""Variants (agent x model x settings) and trial ids derived from their inputs."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from agentindex.agents import AGENTS, get_agent
from agentindex.errors import ConfigError, PreflightError


@dataclass(frozen=True)
class Variant:
    agent: str
    agent_version: str | None
    model: str | None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return json.dumps({"agent": self.agent, "version": self.agent_version,
                           "model": self.model, "settings": self.settings}, sort_keys=True)

    @property
    def label(self) -> str:
        """'Claude Code · claude-opus-4-7 (high)'; test doubles and local models keep their
        provider and options, so a scripted run never reads like a real model's ('Codex ·
        scripted/oracle') and a local one shows its bounds ('builtin ·
        local/smollm2?max_tokens=256&max_turns=6'); a lean harness prompt is always shown
        ('Claude Code · local/smollm2 (lean prompt)')."""
        text = getattr(AGENTS.get(self.agent), "label", self.agent)
        if self.model:
            provider, _, name = self.model.partition("/")
            text += " · " + (self.model if provider in ("scripted", "local") or not name else name)
        shown = [str(effort)] if (effort := self.settings.get("reasoning_effort")) else []
        if self.settings.get("harness_prompt") == "lean":  # not the harness as shipped
            shown.append("lean prompt")
        return text + (f" ({', '.join(shown)})" if shown else "")

    def row(self) -> dict[str, Any]:
        return {"variant_key": self.key, "label": self.label, "agent": self.agent,
                "agent_version": self.agent_version, "model": self.model,
                "settings": self.settings}


def expand_variants(agents: list[str], models: list[str],
                    settings: dict[str, Any] | None = None) -> list[Variant]:
    """Each agent x each model; an agent that uses no model is one variant whatever ``-m`` says.
    Raises PreflightError naming every unknown agent, and every agent left without a model."""
    out: list[Variant] = []
    problems: list[str] = []
    for spec in agents:
        try:
            agent = get_agent(spec)
        except ConfigError as e:
            problems.append(f"{e.file}: {e.problem}")
            continue
        if agent.uses_model and not models:
            problems.append(f"--model: agent {agent.name!r} needs a model: "
                            "-m provider/model (e.g. scripted/oracle)")
            continue
        choices: list[str | None] = list(models) or [None]
        for model in choices if agent.uses_model else [None]:
            v = Variant(agent.name, agent.version, model, _keyed(settings) if model else {})
            if v not in out:
                out.append(v)
    if problems:
        raise PreflightError(problems)
    return out


def _keyed(settings: dict[str, Any] | None) -> dict[str, Any]:
    """The settings that make a variant: ``harness_prompt: default`` is the harness as shipped,
    the same variant (and trials) as no setting at all."""
    return {k: v for k, v in (settings or {}).items()
            if not (k == "harness_prompt" and v == "default")}


def trial_id(variant: Variant, task_digest: str, attempt: int, *, sealed: bool = False) -> str:
    """A trial's id: what it ran. A sealed-history trial is another trial than the unsealed one
    of the same task (the agent saw a different repository), so a re-run that turns
    ``--seal-history`` on runs it rather than keeping the unsealed result."""
    key = f"{variant.key}\0{task_digest}\0{attempt}" + ("\0sealed" if sealed else "")
    return hashlib.sha256(key.encode()).hexdigest()[:20]
