"""What we hand each harness (argv, env, config files), built without a sandbox."""

from __future__ import annotations

import json
import tomllib

import pytest

from agentindex.agents import AGENTS, get_agent
from agentindex.agents.harness import CliAgent, RunSpec, pick_protocol, provider_protocols
from agentindex.errors import ConfigError

URL = "http://127.0.0.1:4242/t/tok123"


def spec(provider: str = "anthropic", model: str = "claude-opus-4-7", protocols: tuple[str, ...]
         = (), **settings: object) -> RunSpec:
    return RunSpec(instruction="Fix the bug.", provider=provider, model=model, base_url=URL,
                   api_key="tok123", protocols=provider_protocols(provider, protocols),
                   home="/opt/agentindex/agents/x@1", workdir="/app", settings=settings)


def cli(name: str) -> CliAgent:
    agent = get_agent(name)
    assert isinstance(agent, CliAgent)
    return agent


def test_every_harness_is_registered_with_a_pinned_version() -> None:
    for name in ("claude-code", "codex", "gemini-cli", "opencode", "qwen-code",
                 "mini-swe-agent", "cursor-cli", "builtin"):
        agent = get_agent(name)
        assert agent.uses_model and agent.version
    assert get_agent("codex@0.100.0").version == "0.100.0"
    assert set(AGENTS) >= {"oracle", "nop"}


def test_claude_code() -> None:
    launch = cli("claude-code").launch(spec())
    assert launch.argv[0] == "/opt/agentindex/agents/x@1/node_modules/.bin/claude"
    assert launch.argv[1:3] == ["-p", "Fix the bug."]
    assert launch.argv[3:5] == ["--model", "claude-opus-4-7"]
    assert {"--dangerously-skip-permissions", "--verbose"} <= set(launch.argv)
    env = launch.env
    assert env["ANTHROPIC_BASE_URL"] == URL and env["ANTHROPIC_API_KEY"] == "tok123"
    assert env["ENABLE_TOOL_SEARCH"] == "true"
    assert env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] == "1" and env["IS_SANDBOX"] == "1"
    assert "ANTHROPIC_DEFAULT_HAIKU_MODEL" not in env  # real Anthropic serves Haiku
    glm = cli("claude-code").launch(spec("zai", "glm-5.1", reasoning_effort="high"))
    assert glm.env["ANTHROPIC_DEFAULT_HAIKU_MODEL"] == "glm-5.1"
    assert glm.argv[-2:] == ["--effort", "high"]
    with pytest.raises(ConfigError, match="speaks anthropic"):
        cli("claude-code").launch(spec("openai", "gpt-5.5"))


def test_codex_uses_a_custom_responses_provider() -> None:
    launch = cli("codex").launch(spec("openai", "gpt-5.5", reasoning_effort="high"))
    assert launch.argv[1:3] == ["exec", "--json"]
    assert "--dangerously-bypass-approvals-and-sandbox" in launch.argv
    assert launch.argv[-1] == "Fix the bug." and launch.argv[-3:-1] == ["-m", "gpt-5.5"]
    config = tomllib.loads(launch.files[".codex/config.toml"])
    provider = config["model_providers"][config["model_provider"]]
    assert provider["base_url"] == URL + "/v1" and provider["wire_api"] == "responses"
    assert launch.env[provider["env_key"]] == "tok123"
    assert config["model_reasoning_effort"] == "high"
    assert config["analytics"]["enabled"] is False
    assert launch.transcripts == (".codex/sessions",)


def test_lean_prompt_keeps_the_cli_and_its_loop_with_a_short_prompt_and_the_shell_tool() -> None:
    claude = cli("claude-code").build(spec("local", "smollm2", harness_prompt="lean"))
    assert claude.argv[claude.argv.index("--tools") + 1] == "Bash"
    assert "Bash tool" in claude.argv[claude.argv.index("--system-prompt") + 1]
    assert "-p" in claude.argv and "--system-prompt" not in cli("claude-code").build(spec()).argv
    codex = cli("codex").build(spec("local", "smollm2", harness_prompt="lean"))
    config = tomllib.loads(codex.files[".codex/config.toml"])
    # Relative to config.toml's directory: the instructions file written beside it.
    assert ".codex/" + config["model_instructions_file"] in codex.files
    assert "exec_command" in codex.files[".codex/" + config["model_instructions_file"]]
    assert config["include_permissions_instructions"] is False
    assert config["web_search"] == "disabled"
    assert config["features"] == {"multi_agent": False, "goals": False, "view_image": False}
    assert config["skills"] == {"include_instructions": False}
    assert config["model_providers"][config["model_provider"]]["wire_api"] == "responses"
    default = tomllib.loads(cli("codex").build(spec("openai", "gpt-5.5")).files[
        ".codex/config.toml"])
    assert "model_instructions_file" not in default and "features" not in default
    builtin = cli("builtin")
    assert builtin.build(spec(harness_prompt="lean")) == builtin.build(spec())  # already lean


def test_a_harness_without_a_lean_prompt_refuses_it_by_name() -> None:
    with pytest.raises(ConfigError, match="harness_prompt 'lean': gemini-cli has no lean prompt "
                                          r"\(harnesses with one: builtin, claude-code, codex\)"):
        cli("gemini-cli").build(spec("google", "gemini-3.1-pro", harness_prompt="lean"))
    with pytest.raises(ConfigError, match="harness_prompt 'tiny' is not one of default, lean"):
        cli("codex").build(spec("openai", "gpt-5.5", harness_prompt="tiny"))
    cli("gemini-cli").build(spec("google", "gemini-3.1-pro", harness_prompt="default"))


def test_gemini_cli() -> None:
    launch = cli("gemini-cli").launch(spec("google", "gemini-3.1-pro"))
    assert {"--yolo", "--skip-trust"} <= set(launch.argv)
    assert launch.argv[launch.argv.index("-m") + 1] == "gemini-3.1-pro"  # no "auto" router call
    assert launch.env["GOOGLE_GEMINI_BASE_URL"] == URL
    assert launch.env["GEMINI_API_KEY"] == "tok123"
    settings = json.loads(launch.files[".gemini/settings.json"])
    assert settings["security"]["auth"]["selectedType"] == "gemini-api-key"
    assert settings["telemetry"]["enabled"] is False
    assert settings["privacy"]["usageStatisticsEnabled"] is False


def test_qwen_code() -> None:
    launch = cli("qwen-code").launch(spec("local", "qwen3-coder", ("openai-chat",)))
    assert launch.env["OPENAI_BASE_URL"] == URL + "/v1"
    assert launch.env["OPENAI_MODEL"] == "qwen3-coder"
    settings = json.loads(launch.files[".qwen/settings.json"])
    assert settings["security"]["auth"]["selectedType"] == "openai"


@pytest.mark.parametrize(("provider", "protocols", "provider_id", "npm"), [
    ("anthropic", (), "anthropic", "@ai-sdk/anthropic"),
    ("openai", ("openai-responses",), "openai", "@ai-sdk/openai"),
    ("local", ("openai-chat",), "agentindex", "@ai-sdk/openai-compatible"),
])
def test_opencode_picks_its_provider_by_wire_protocol(provider: str, protocols: tuple[str, ...],
                                                      provider_id: str, npm: str) -> None:
    launch = cli("opencode").launch(spec(provider, "m1", protocols))
    config = json.loads(launch.env["OPENCODE_CONFIG_CONTENT"])
    assert launch.argv[launch.argv.index("-m") + 1] == f"{provider_id}/m1"
    entry = config["provider"][provider_id]
    assert entry["npm"] == npm and entry["options"]["baseURL"] == URL + "/v1"
    assert "m1" in entry["models"]  # unknown to its catalogue, still accepted
    assert config["permission"] == {"*": "allow"} and config["autoupdate"] is False
    assert launch.env["OPENCODE_DISABLE_MODELS_FETCH"] == "1"


def test_mini_swe_agent_runs_its_venv_python() -> None:
    launch = cli("mini-swe-agent").launch(spec("local", "m1", ("openai-chat",)))
    assert launch.argv[:3] == ["/opt/agentindex/agents/x@1/bin/python", "-m",
                               "minisweagent.run.mini"]
    assert launch.argv[launch.argv.index("-m", 3) + 1] == "openai/m1"
    assert launch.env["MSWEA_CONFIGURED"] == "true"
    assert launch.env["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"


@pytest.mark.parametrize("protocol", ["anthropic", "openai-chat", "openai-responses", "gemini"])
def test_builtin_speaks_every_protocol(protocol: str) -> None:
    launch = cli("builtin").launch(spec("scripted", "oracle", protocol=protocol))
    assert launch.argv[launch.argv.index("--protocol") + 1] == protocol
    assert launch.env == {"AGENTINDEX_API_KEY": "tok123"}
    assert "def main(" in launch.files[".agentindex/builtin_loop.py"]


def test_builtin_read_timeout_is_a_setting() -> None:
    plain = cli("builtin").launch(spec("scripted", "oracle"))
    assert "--read-timeout" not in plain.argv  # builtin_loop's own default (600 s)
    launch = cli("builtin").launch(spec("scripted", "oracle", read_timeout=3))
    assert launch.argv[launch.argv.index("--read-timeout") + 1] == "3.0"


def test_builtin_follows_the_provider() -> None:
    launch = cli("builtin").launch(spec("google", "gemini-3.1-pro"))
    assert launch.argv[launch.argv.index("--protocol") + 1] == "gemini"


def test_pick_protocol() -> None:
    assert pick_protocol(("openai-chat", "openai-responses"), ("openai-responses",), "a", "p") \
        == "openai-responses"
    with pytest.raises(ConfigError):
        pick_protocol(("gemini",), ("anthropic", "gemini"), "a", "p", wanted="anthropic")


def test_no_protocol_in_common_names_both_sides() -> None:
    with pytest.raises(ConfigError) as e:
        pick_protocol(("gemini",), ("anthropic", "openai-chat"), "claude-code", "google")
    assert e.value.problem == ("no wire protocol in common: claude-code speaks anthropic, "
                               "openai-chat; provider 'google' speaks gemini")


def test_an_unknown_provider_is_an_error_not_openai_chat() -> None:
    """With no protocols from the runner, an unknown provider used to mean openai-chat."""
    with pytest.raises(ConfigError) as e:
        provider_protocols("nosuch", ())
    assert "unknown provider 'nosuch'" in e.value.problem and "anthropic" in e.value.problem


def test_cursor_cli_needs_its_own_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # cursor-cli does not use the gateway: no provider table, no protocol to pick
    launch = cli("cursor-cli").launch(spec("cursor", "gpt-5", ("none",)))
    assert launch.argv[-2:] == ["--", "Fix the bug."]
    assert {"--print", "--force"} <= set(launch.argv)
