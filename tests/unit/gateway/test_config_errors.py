"""A bad providers file is one error naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentindex.errors import ConfigError
from agentindex.gateway import ProvidersConfig


@pytest.mark.parametrize(("text", "field", "problem"), [
    ("[providers.anthropic]\nbase_url = 5\n", "providers.anthropic.base_url", "valid string"),
    ("[providers.mine]\nbase_url = 'http://127.0.0.1:9'\n", "providers.mine.protocols",
     "Field required"),
])
def test_bad_provider_field_is_named(tmp_path: Path, text: str, field: str, problem: str) -> None:
    path = tmp_path / "providers.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as e:
        ProvidersConfig.load(path)
    assert (e.value.file, e.value.field) == (str(path), field)
    assert problem in e.value.problem


def test_a_file_changes_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "providers.toml"
    path.write_text("[providers.zai]\nbase_url = 'http://127.0.0.1:9/anthropic'\n")
    config = ProvidersConfig.load(path)
    zai, anthropic = config.get("zai"), config.get("anthropic")
    assert zai is not None and zai.base_url == "http://127.0.0.1:9/anthropic"
    assert zai.key_env == "ZAI_API_KEY"
    assert anthropic is not None and anthropic.base_url == "https://api.anthropic.com"


def test_the_protocol_list_is_the_registry() -> None:
    """Providers accept exactly the protocols the registry serves; scripted speaks them all."""
    from agentindex.gateway.protocols import PROTOCOLS

    assert ProvidersConfig.defaults().spoken_by("scripted") == tuple(PROTOCOLS)
    for spec in ProvidersConfig.defaults().providers.values():
        assert set(spec.protocols) <= set(PROTOCOLS)
    with pytest.raises(ValueError, match="unknown protocol"):
        ProvidersConfig.defaults({"x": {"protocols": ("carrier-pigeon",)}})
