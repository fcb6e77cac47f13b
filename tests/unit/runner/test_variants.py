"""Variants from -a x -m, and trial ids derived from their inputs."""

from __future__ import annotations

import pytest

from agentindex.errors import ConfigError
from agentindex.runner.variants import Variant, expand_variants, trial_id


def test_agents_without_a_model_are_one_variant_each() -> None:
    vs = expand_variants(["oracle", "nop", "oracle"], ["scripted/oracle", "anthropic/x"])
    assert [(v.agent, v.model) for v in vs] == [("oracle", None), ("nop", None)]


def test_unknown_agent_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="unknown agent 'claude-kode'"):
        expand_variants(["claude-kode"], [])


def test_label() -> None:
    v = Variant("claude-code", "2.1.197", "anthropic/claude-opus-4-7",
                {"reasoning_effort": "high"})
    assert v.label == "Claude Code · claude-opus-4-7 (high)"


def test_a_lean_harness_prompt_is_in_the_key_and_the_label() -> None:
    lean = Variant("codex", "0.171.0", "local/smollm2", {"harness_prompt": "lean"})
    assert lean.label == "Codex · local/smollm2 (lean prompt)"
    assert lean.key != Variant("codex", "0.171.0", "local/smollm2").key
    both = Variant("claude-code", "2.1.197", "anthropic/claude-opus-4-7",
                   {"reasoning_effort": "high", "harness_prompt": "lean"})
    assert both.label == "Claude Code · claude-opus-4-7 (high, lean prompt)"
    [v] = expand_variants(["builtin"], ["local/smollm2"], {"harness_prompt": "lean"})
    assert v.label == "builtin · local/smollm2 (lean prompt)"
    [shipped] = expand_variants(["codex"], ["local/smollm2"], {"harness_prompt": "default"})
    assert shipped.key == expand_variants(["codex"], ["local/smollm2"])[0].key


def test_trial_id_depends_on_every_input() -> None:
    v = Variant("oracle", None, None)
    base = trial_id(v, "d1", 1)
    assert base == trial_id(Variant("oracle", None, None), "d1", 1)
    assert len({base, trial_id(v, "d2", 1), trial_id(v, "d1", 2),
                trial_id(Variant("nop", None, None), "d1", 1)}) == 4
