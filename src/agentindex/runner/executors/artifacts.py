"""A directory in transit between machines: one gzip'd tar, with a cap on what it may carry.

A trial's artifacts travel from the worker that ran it to the job's machine this way; so do task
directories, the other way (uncapped: a task is what it is). When the cap applies, the largest
files stay behind, and the archive says which (:data:`CAPPED_FILE`), so the trial's directory
records that it is incomplete and why.
"""

from __future__ import annotations

import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

CAPPED_FILE = "artifacts-capped.json"  # written into a trial's directory when the cap applied


@dataclass(frozen=True)
class Packed:
    data: bytes  # a .tar.gz of the directory's contents (paths relative to it)
    raw_bytes: int  # the size of the files it carries, uncompressed
    cap_bytes: int | None = None  # the cap it was made under (None: no cap)
    dropped: dict[str, int] = field(default_factory=dict)  # files left out by the cap -> size


def pack(root: Path, cap_bytes: int | None = None) -> Packed:
    """Everything under ``root``; with ``cap_bytes``, files are taken smallest first while their
    total stays within the cap, and the rest are listed in ``dropped``."""
    files = sorted((p for p in root.rglob("*") if p.is_file() or p.is_symlink()),
                   key=lambda p: (p.lstat().st_size, str(p)))
    total, dropped = 0, {}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=6) as tar:
        for d in sorted(p for p in root.rglob("*") if p.is_dir() and not p.is_symlink()):
            tar.add(d, arcname=str(d.relative_to(root)), recursive=False)  # empty dirs too
        for f in files:
            size = f.lstat().st_size
            rel = str(f.relative_to(root))
            if cap_bytes is not None and total + size > cap_bytes:
                dropped[rel] = size
                continue
            total += size
            tar.add(f, arcname=rel, recursive=False)
    return Packed(buf.getvalue(), total, cap_bytes, dropped)


def unpack(packed: Packed, dest: Path) -> None:
    """Recreate the directory at ``dest`` (made if missing). Members that would land outside
    ``dest`` are refused (tarfile's ``data`` filter). When the cap applied, ``CAPPED_FILE``
    names the cap and every file that was left behind."""
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(packed.data), mode="r:gz") as tar:
        tar.extractall(dest, filter="data")
    if packed.dropped:
        (dest / CAPPED_FILE).write_text(json.dumps(
            {"cap_bytes": packed.cap_bytes, "kept_bytes": packed.raw_bytes,
             "dropped": packed.dropped}, indent=2) + "\n")
