"""Model aliases, as data (``data/model_aliases.toml``): a requested ``provider/model`` name mapped
to the id its provider's API wants and to the price sheet that prices it.

Used in three places, each through one function here: the gateway sends
:func:`provider_model` upstream (merged into each provider's ``models`` table), pricing looks up
:func:`price_model`, and the report shows the requested name beside the provider's id.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from agentindex.errors import ConfigError

ALIASES_FILE = Path(__file__).parent / "data" / "model_aliases.toml"


class ModelAlias(BaseModel):
    """One requested name's mapping (see the data file's header for each field)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider_model: str  # the id the provider's API gets (no provider prefix)
    price: str  # 'provider/model' of the price sheet
    note: str = ""


def load_aliases(path: Path) -> dict[str, ModelAlias]:
    """The aliases in ``path``, keyed by requested ``provider/model``; a malformed file is a
    ConfigError naming the file and the entry."""
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise ConfigError(path, None, str(e)) from None
    out: dict[str, ModelAlias] = {}
    for name, entry in raw.items():
        provider, sep, model = name.partition("/")
        if not (provider and sep and model):
            raise ConfigError(path, name, "name an alias provider/model")
        try:
            alias = ModelAlias.model_validate(entry)
        except ValidationError as e:
            first = e.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise ConfigError(path, f"{name}.{field}" if field else name, first["msg"]) from None
        if "/" not in alias.price:
            raise ConfigError(path, f"{name}.price", "name the price sheet provider/model")
        out[name] = alias
    return out


@functools.cache
def aliases() -> dict[str, ModelAlias]:
    """The built-in aliases (read once)."""
    return load_aliases(ALIASES_FILE)


def provider_model(model: str) -> str:
    """``provider/model`` as its provider's API knows it: 'google/gemini-3.1-pro' ->
    'google/gemini-3.1-pro-preview'; an unlisted name unchanged."""
    alias = aliases().get(model)
    return f"{model.partition('/')[0]}/{alias.provider_model}" if alias else model


def price_model(model: str) -> str:
    """The price sheet of ``provider/model``: its alias's ``price``, for the requested name or
    for the provider's id it maps to; else the name itself."""
    alias = aliases().get(model)
    if alias is None:
        alias = next((a for name, a in aliases().items()
                      if f"{name.partition('/')[0]}/{a.provider_model}" == model), None)
    return alias.price if alias else model


def provider_models(provider: str) -> dict[str, str]:
    """The aliases of one provider as its ``models`` table: requested id -> provider's id."""
    return {name.partition("/")[2]: a.provider_model for name, a in aliases().items()
            if name.partition("/")[0] == provider}
