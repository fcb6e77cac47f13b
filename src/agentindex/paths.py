"""Where agentindex keeps files between runs: one cache directory, the only place it is computed.

``$AGENTINDEX_CACHE`` if set, else ``$XDG_CACHE_HOME/agentindex``, else ``~/.cache/agentindex``
(``scripts/setup.sh`` and ``scripts/setup_podman.sh`` follow the same rule). Inside it: ``agents/``
(harness installs, one folder per version), ``bwrap/`` (the sandboxes' minimal ``/etc``),
``engine/`` (the container engine's working directory), base-image tarballs.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir(*parts: str) -> Path:
    """The cache directory (see module docstring), or ``parts`` under it; not created here."""
    root = os.environ.get("AGENTINDEX_CACHE")
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        root = str(Path(xdg) / "agentindex")
    return Path(root).joinpath(*parts)
