"""Preflight over variants: every problem, one message each, before any trial."""

from __future__ import annotations

import pytest

from agentindex.errors import PreflightError
from agentindex.gateway import ProvidersConfig
from agentindex.runner.preflight import Plan, preflight
from agentindex.runner.variants import Variant
from agentindex.sandbox import get_backend


def _problems(variants: list[Variant], environ: dict[str, str]) -> list[str]:
    plan = Plan(variants, [], get_backend("bwrap"), ProvidersConfig.defaults())
    with pytest.raises(PreflightError) as err:
        preflight(plan, environ)
    return err.value.problems


def test_every_variant_problem_is_named_once() -> None:
    problems = _problems([
        Variant("claude-kode", None, "anthropic/x"),
        Variant("builtin", "1", "openai/gpt-5.5", {"protocol": "gemini"}),
        Variant("cursor-cli", "latest", "cursor/auto"),
        Variant("codex", "0.171.0", None),
        Variant("codex", "0.171.0", "scripted/oracel"),
        Variant("builtin", "1", "scripted/oracle"),  # fine: scripted needs no key
        Variant("opencode", "1.18.33", "anthropic/claude-opus-4-7"),  # fine: its key is set
    ], {"OPENAI_API_KEY": "k", "ANTHROPIC_API_KEY": "k"})
    assert problems == [
        "variant claude-kode × anthropic/x: unknown agent 'claude-kode' (known: builtin, "
        "claude-code, codex, cursor-cli, gemini-cli, mini-swe-agent, nop, opencode, oracle, "
        "qwen-code)",
        "variant builtin × openai/gpt-5.5: builtin with provider 'openai' cannot use protocol "
        "'gemini' (builtin speaks anthropic, openai-chat, openai-responses, gemini; provider "
        "'openai' speaks openai-chat, openai-responses)",
        "variant cursor-cli × cursor/auto: cursor-cli runs on its vendor's service and needs "
        "$CURSOR_API_KEY, which is not set",
        "variant codex: agent 'codex' needs a model named provider/model (-m), got None",
        "variant codex × scripted/oracel: unknown scripted model 'oracel'; known: oracle, loop, "
        "flaky, cut, text, judge, refused, chaos",
    ]


def test_a_good_config_passes() -> None:
    plan = Plan([Variant("cursor-cli", "latest", "cursor/auto"),
                 Variant("gemini-cli", "0.61.0", "google/gemini-3.1-pro")],
                [], get_backend("bwrap"), ProvidersConfig.defaults())
    preflight(plan, {"CURSOR_API_KEY": "k", "GEMINI_API_KEY": "k"})


def test_a_setting_a_harness_cannot_honour_is_a_preflight_problem_naming_it() -> None:
    lean = {"harness_prompt": "lean"}
    problems = _problems([
        Variant("claude-code", "2.1.197", "local/smollm2", lean),  # fine
        Variant("codex", "0.171.0", "local/smollm2", lean),  # fine
        Variant("qwen-code", "0.15.10", "local/smollm2", lean),
        Variant("cursor-cli", "latest", "cursor/auto", lean),
    ], {"CURSOR_API_KEY": "k"})
    assert problems == [
        "variant qwen-code × local/smollm2: harness_prompt 'lean': qwen-code has no lean "
        "prompt (harnesses with one: builtin, claude-code, codex)",
        "variant cursor-cli × cursor/auto: harness_prompt 'lean': cursor-cli has no lean "
        "prompt (harnesses with one: builtin, claude-code, codex)",
    ]
