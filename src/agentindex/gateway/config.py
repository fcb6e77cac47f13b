"""Providers: where each ``provider/model`` goes, with built-in defaults and an optional file.

A providers file is TOML (or JSON) with one table per provider; a table for a built-in provider
changes only the keys it names::

    [providers.zai]
    base_url = "https://open.bigmodel.cn/api/anthropic"

    [providers.vllm]
    protocols = ["openai-chat"]
    base_url = "http://127.0.0.1:8000"
    key_env = "LOCAL_KEY"
    price_id = "openai"
    models = { "qwen" = "Qwen/Qwen3-Coder-30B" }

Keys are read from ``key_env`` in the gateway's own environment, at call time, and never leave the
gateway process except towards that provider.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from agentindex.errors import ConfigError
from agentindex.gateway.protocols import PROTOCOLS
from agentindex.model_aliases import provider_models
from agentindex.plugins import registry

Auth = Literal["x-api-key", "bearer", "x-goog-api-key", "x-api-key+bearer"]
ALL_PROTOCOLS = tuple(PROTOCOLS)  # the registry's, in its order
# Provider kinds (forward, scripted, plug-ins'), each made with the gateway's client session.
PROVIDER_KINDS: dict[str, Callable[..., Any]] = registry("agentindex.providers")


class ProviderSpec(BaseModel):
    """One provider. ``kind``: ``forward`` (a real HTTP API), ``scripted`` (test doubles),
    ``local`` (a GGUF model run by the gateway, ``agentindex.gateway.local``) or a plug-in's.
    ``price_id`` is the genai-prices provider id; ``models`` maps a requested name to the id the
    provider wants (unlisted names pass unchanged)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = "forward"
    protocols: tuple[str, ...]
    base_url: str = ""
    key_env: str | None = None
    auth: Auth = "bearer"
    price_id: str | None = None
    models: dict[str, str] = {}

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in PROVIDER_KINDS:
            raise ValueError(f"unknown provider kind {value!r}; known: {list(PROVIDER_KINDS)}")
        return value

    @field_validator("protocols")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(ALL_PROTOCOLS))
        if unknown:
            raise ValueError(f"unknown protocol(s) {unknown}; known: {list(ALL_PROTOCOLS)}")
        return value


_ANTHROPIC_COMPAT = {"protocols": ("anthropic",), "auth": "x-api-key+bearer"}

DEFAULT_PROVIDERS: dict[str, dict[str, Any]] = {
    "anthropic": {"protocols": ("anthropic",), "base_url": "https://api.anthropic.com",
                  "key_env": "ANTHROPIC_API_KEY", "auth": "x-api-key", "price_id": "anthropic"},
    "openai": {"protocols": ("openai-chat", "openai-responses"),
               "base_url": "https://api.openai.com", "key_env": "OPENAI_API_KEY",
               "auth": "bearer", "price_id": "openai"},
    "google": {"protocols": ("gemini",), "base_url": "https://generativelanguage.googleapis.com",
               "key_env": "GEMINI_API_KEY", "auth": "x-goog-api-key", "price_id": "google"},
    "zai": {**_ANTHROPIC_COMPAT, "base_url": "https://api.z.ai/api/anthropic",
            "key_env": "ZAI_API_KEY", "price_id": "zai"},
    "moonshot": {**_ANTHROPIC_COMPAT, "base_url": "https://api.moonshot.ai/anthropic",
                 "key_env": "MOONSHOT_API_KEY", "price_id": "moonshotai"},
    "deepseek": {**_ANTHROPIC_COMPAT, "base_url": "https://api.deepseek.com/anthropic",
                 "key_env": "DEEPSEEK_API_KEY", "price_id": "deepseek"},
    "scripted": {"kind": "scripted", "protocols": ALL_PROTOCOLS},
    "local": {"kind": "local", "protocols": ALL_PROTOCOLS},
}


class ProvidersConfig(BaseModel):
    """Every provider the gateway knows, by name (the part of ``provider/model`` before ``/``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    providers: dict[str, ProviderSpec]

    @classmethod
    def defaults(cls, overrides: dict[str, dict[str, Any]] | None = None) -> ProvidersConfig:
        """The built-in providers, each updated by the keys ``overrides`` gives for it."""
        merged = {name: dict(spec) for name, spec in DEFAULT_PROVIDERS.items()}
        for name, spec in (overrides or {}).items():
            merged[name] = {**merged.get(name, {}), **spec}
        for name, spec in merged.items():  # the built-in aliases, unless the file maps a name
            spec["models"] = {**provider_models(name), **spec.get("models", {})}
        return cls(providers={n: ProviderSpec(**s) for n, s in merged.items()})

    @classmethod
    def load(cls, path: Path | None) -> ProvidersConfig:
        """Built-in defaults, updated by the file at ``path`` (TOML, or JSON if it ends .json)."""
        if path is None:
            return cls.defaults()
        try:
            text = path.read_text()
            raw = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
        except (OSError, ValueError) as err:
            raise ConfigError(path, None, str(err)) from err
        providers = raw.get("providers", {}) if isinstance(raw, dict) else None
        if not isinstance(providers, dict) or set(raw) - {"providers"}:
            raise ConfigError(path, None, "expected only a [providers.NAME] table per provider")
        for name, spec in providers.items():  # validate one by one, to name the field
            try:
                ProviderSpec(**{**DEFAULT_PROVIDERS.get(name, {}), **spec})
            except (ValidationError, TypeError) as err:
                first = err.errors()[0] if isinstance(err, ValidationError) else None
                where = ".".join(str(p) for p in first["loc"]) if first else ""
                raise ConfigError(path, f"providers.{name}" + (f".{where}" if where else ""),
                                  first["msg"] if first else str(err)) from None
        return cls.defaults(providers)

    def get(self, name: str) -> ProviderSpec | None:
        return self.providers.get(name)

    def spoken_by(self, provider: str) -> tuple[str, ...]:
        """The wire protocols ``provider`` speaks, in its order of preference; ConfigError
        naming the known providers if there is no such provider."""
        spec = self.providers.get(provider)
        if spec is None:
            raise ConfigError("--model", None, f"unknown provider {provider!r}; known: "
                                               f"{', '.join(self.providers)}")
        return spec.protocols
