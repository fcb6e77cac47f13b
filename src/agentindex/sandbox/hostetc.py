"""A minimal copy of the host's ``/etc`` for host-filesystem sandboxes, built once and bound as a
single read-only mount (one mount instead of twenty saves ~3 ms per sandboxed command)."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

# Only what programs need from /etc; nothing else of the host's configuration is visible.
ETC = ("passwd", "group", "hosts", "nsswitch.conf", "resolv.conf", "ld.so.cache", "ld.so.conf",
       "ld.so.conf.d", "alternatives", "ssl", "ca-certificates", "localtime", "mime.types",
       "gitconfig", "bash.bashrc", "profile", "inputrc", "login.defs", "python3", "python3.11")


def _fingerprint(etc: Path) -> str:
    h = hashlib.sha256()
    for name in ETC:
        try:
            st = (etc / name).lstat()
        except FileNotFoundError:
            continue
        h.update(f"{name}:{st.st_mtime_ns}:{st.st_size}\0".encode())
    return h.hexdigest()[:16]


def minimal_etc(cache: Path, etc: Path = Path("/etc")) -> Path:
    """``cache/etc-<fingerprint>``: the listed entries, symlinks kept as symlinks. A changed host
    /etc gets a new directory; building is atomic (a rename), so concurrent runs are safe."""
    target = cache / f"etc-{_fingerprint(etc)}"
    if target.is_dir():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".etc-", dir=cache))
    for name in ETC:
        src = etc / name
        if src.is_symlink():
            os.symlink(os.readlink(src), tmp / name)
        elif src.is_dir():
            shutil.copytree(src, tmp / name, symlinks=True)
        elif src.is_file():
            shutil.copy2(src, tmp / name)
    try:
        tmp.rename(target)
    except OSError:  # another process built it first
        shutil.rmtree(tmp, ignore_errors=True)
    return target
