"""``agentindex run --setting KEY=VALUE``: variant settings from the command line."""

from __future__ import annotations

import pytest

from agentindex.commands.run import parse_settings
from agentindex.errors import ConfigError


def test_settings_are_read_as_in_a_config_file() -> None:
    assert parse_settings(["harness_prompt=lean", "reasoning_effort=high", "n=3",
                           "protocol = openai-chat", "empty="]) == {
        "harness_prompt": "lean", "reasoning_effort": "high", "n": 3,
        "protocol": "openai-chat", "empty": ""}


@pytest.mark.parametrize("bad", ["harness_prompt", "=lean"])
def test_a_setting_without_key_and_value_is_a_config_error(bad: str) -> None:
    with pytest.raises(ConfigError, match="--setting: expected KEY=VALUE"):
        parse_settings([bad])
