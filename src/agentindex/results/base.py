"""What every results model shares: ``extra="forbid"``, frozen, and a versioned reader.

A document on disk (``result.json``, ``report.json``) carries ``format`` = ``<kind>/<n>``. A
reader of an older ``n`` upgrades it step by step (each step one pure function of the raw dict);
any other format is refused with a message that names the file and the formats this build reads.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from agentindex.errors import ConfigError


class UpgradeRefused(Exception):
    """An upgrade step cannot convert this document; the message says why."""


class Record(BaseModel):
    """Base of every results model: unknown fields are an error, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


M = TypeVar("M", bound=Record)
Upgrade = Callable[[dict[str, Any]], dict[str, Any]]


def read_versioned(cls: type[M], data: Any, source: object, current: str,
                   upgrades: Mapping[str, tuple[str, Upgrade]]) -> M:
    """Validate ``data`` (a parsed JSON document) as ``cls`` whose format is ``current``.
    ``upgrades`` maps an older format to (the next format, the step that converts it)."""
    if not isinstance(data, dict):
        raise ConfigError(source, None, f"expected a JSON object, got {type(data).__name__}")
    fmt = data.get("format")
    seen: set[str] = set()
    while isinstance(fmt, str) and fmt != current and fmt in upgrades and fmt not in seen:
        seen.add(fmt)
        older = fmt
        fmt, step = upgrades[fmt]
        try:
            data = {**step(dict(data)), "format": fmt}
        except UpgradeRefused as e:
            raise ConfigError(source, "format", f"cannot upgrade {older}: {e}") from None
    if fmt != current:
        known = ", ".join([current, *sorted(upgrades)])
        raise ConfigError(source, "format",
                          f"{data.get('format')!r} is not a format this agentindex reads "
                          f"(it reads {known}); a newer file needs a newer agentindex")
    try:
        return cls.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(source, where or None, first["msg"]) from None


def read_json_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise ConfigError(path, None, f"cannot read JSON: {e}") from None
