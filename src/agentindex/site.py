"""The site configuration: what this machine needs to reach the outside world differently.

One TOML file, optional, at ``$AGENTINDEX_SITE`` or ``$XDG_CONFIG_HOME/agentindex/site.toml``
(default ``~/.config/agentindex/site.toml``). Every table is optional::

    [sources]            # a dataset source (git URL or archive URL) -> a local mirror of it
    "https://github.com/org/tasks.git" = "/srv/mirrors/tasks.git"

    [images]             # a base-image reference -> a local image (exact references)
    "python:3.13-slim-bookworm" = "localhost/agentindex/python:3.13-slim-bookworm"
    mirror_prefix = ""   # else: a registry mirror prefixed to any other reference

    [network]            # handed to image builds and verifiers when set
    ca_bundle = "/etc/ssl/certs/ca-certificates.crt"
    pip_index_url = ""
    http_proxy = ""
    https_proxy = ""

A missing file is an empty configuration; a malformed one is a :class:`ConfigError` naming the
file and the field.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentindex.tasks.loader import read_toml, validation_error


class ImageMap(BaseModel):
    """Base-image references mapped to local images; ``mirror_prefix`` for all the others."""

    model_config = ConfigDict(extra="allow", frozen=True)

    mirror_prefix: str = ""

    def mapped(self) -> dict[str, str]:
        return {k: str(v) for k, v in (self.model_extra or {}).items()}


class NetworkSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ca_bundle: str = Field(default="", description="CA bundle file to show builds and verifiers")
    pip_index_url: str = ""
    http_proxy: str = ""
    https_proxy: str = ""

    def build_env(self) -> dict[str, str]:
        """Environment variables that make pip, uv, curl and apt use these settings."""
        env: dict[str, str] = {}
        if self.pip_index_url:
            env |= {"PIP_INDEX_URL": self.pip_index_url, "UV_INDEX_URL": self.pip_index_url,
                    "UV_DEFAULT_INDEX": self.pip_index_url}
        for key, value in (("http_proxy", self.http_proxy), ("https_proxy", self.https_proxy)):
            if value:
                env[key] = env[key.upper()] = value
        return env


class SiteConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: dict[str, str] = Field(default_factory=dict)
    images: ImageMap = Field(default_factory=ImageMap)
    network: NetworkSettings = Field(default_factory=NetworkSettings)

    def source_for(self, source: str) -> str:
        """The mirror configured for a source (trailing slashes and ``.git`` ignored), else it."""
        want = _source_key(source)
        for key, mirror in self.sources.items():
            if _source_key(key) == want:
                return mirror
        return source


def _source_key(url: str) -> str:
    return url.rstrip("/").removesuffix(".git")


def site_path(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    if environ.get("AGENTINDEX_SITE"):
        return Path(environ["AGENTINDEX_SITE"])
    root = environ.get("XDG_CONFIG_HOME") or str(Path(environ.get("HOME", Path.home())) / ".config")
    return Path(root) / "agentindex" / "site.toml"


def load_site(environ: Mapping[str, str] | None = None) -> SiteConfig:
    path = site_path(environ)
    if not path.is_file():
        return SiteConfig()
    try:
        return SiteConfig.model_validate(read_toml(path))
    except ValidationError as e:
        raise validation_error(path, e) from None
