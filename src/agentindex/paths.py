"""Where agentindex keeps files between runs: one cache directory, the only place it is computed.

``$AGENTINDEX_CACHE`` if set, else ``$XDG_CACHE_HOME/agentindex``, else ``~/.cache/agentindex``
(``scripts/setup.sh`` and ``scripts/setup_podman.sh`` follow the same rule). Inside it: ``agents/``
(harness installs, one folder per version), ``bwrap/`` (the sandboxes' minimal ``/etc``),
``engine/`` (the container engine's working directory), base-image tarballs.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator, Mapping
from pathlib import Path


def cache_dir(*parts: str, environ: Mapping[str, str] | None = None) -> Path:
    """The cache directory (see module docstring), or ``parts`` under it; not created here.
    ``environ`` (default: this process's) is where the variables are read."""
    environ = os.environ if environ is None else environ
    root = environ.get("AGENTINDEX_CACHE")
    if not root:
        home = Path(environ["HOME"]) if environ.get("HOME") else Path.home()
        xdg = environ.get("XDG_CACHE_HOME") or str(home / ".cache")
        root = str(Path(xdg) / "agentindex")
    return Path(root).joinpath(*parts)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (made if missing), waiting for it: one writer of a
    cache entry at a time, across processes; the lock dies with its process."""
    with path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
