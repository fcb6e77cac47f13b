"""``${VAR}`` and ``${VAR:-default}`` in task env tables, resolved against a given environment."""

from __future__ import annotations

import re
from collections.abc import Mapping

from agentindex.errors import ConfigError

_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def substitute(value: str, environ: Mapping[str, str], *, file: object, field: str) -> str:
    """Replace each reference; an unset variable without a default is an error naming the field."""

    def one(m: re.Match[str]) -> str:
        name, default = m.group(1), m.group(2)
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        raise ConfigError(file, field, f"${{{name}}} is not set and has no default")

    return _REF.sub(one, value)


def references(value: str) -> list[str]:
    """The variable names ``value`` refers to, in order."""
    return [m.group(1) for m in _REF.finditer(value)]


def resolve_env(table: Mapping[str, str], environ: Mapping[str, str], *, file: object,
                section: str) -> dict[str, str]:
    return {k: substitute(v, environ, file=file, field=f"{section}.{k}") for k, v in table.items()}
