"""Datasets as pinned sources: where a benchmark's tasks come from, fetched once and verified.

A benchmark definition names its source as data::

    [source]
    git = "https://github.com/org/tasks.git"   # or a local path / file:// URL
    rev = "<full commit sha>"
    subdir = ""                                # the tasks' folder inside the repository
    # or instead of git/rev:  archive = "https://.../x.tar.gz"  and  sha256 = "..."

``pull`` writes the tasks to ``CACHE/datasets/NAME@PIN`` (PIN: the commit, or ``sha256-`` and
the archive's digest), verified (the commit id / the archive's sha256), atomically: into a
temporary folder renamed into place only when complete, under a lock so concurrent pulls fetch
once. The marker file written last records what was pulled, and which files the source lacked.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from agentindex.paths import cache_dir, locked
from agentindex.site import load_site
from agentindex.tasks import archive, gitsource
from agentindex.tasks.gitsource import SourceError
from agentindex.tasks.source import SourceRef

MARKER = ".agentindex-dataset.json"  # written last: a folder without it is not a dataset


@dataclass(frozen=True)
class Pulled:
    name: str
    path: Path  # the tasks folder
    source: str  # what was read (the mirror, when the site maps one)
    pin: str
    files: int
    missing: tuple[str, ...]
    fetched: bool  # False when the copy was already present


def datasets_dir(environ: Mapping[str, str] | None = None) -> Path:
    return cache_dir("datasets", environ=environ)


def copy_path(name: str, source: SourceRef, environ: Mapping[str, str] | None = None) -> Path:
    return datasets_dir(environ) / f"{name}@{source.pin}"


def present(name: str, source: SourceRef, environ: Mapping[str, str] | None = None) -> bool:
    return (copy_path(name, source, environ) / MARKER).is_file()


def pull(name: str, source: SourceRef, *, mirror: str | None = None, allow_missing: bool = False,
         environ: Mapping[str, str] | None = None) -> Pulled:
    """Fetch ``source`` once into the cache and verify it; ``mirror`` (else the site's mapping)
    is read instead of the source's own URL. Raises :class:`SourceError` naming the source."""
    final = copy_path(name, source, environ)
    final.parent.mkdir(parents=True, exist_ok=True)
    with locked(final.with_name(final.name + ".lock")):
        if (final / MARKER).is_file():
            return _read_marker(name, final, fetched=False)
        where = mirror or load_site(environ).source_for(source.url)
        with tempfile.TemporaryDirectory(dir=final.parent, prefix=f".{final.name}.") as tmp:
            staged = Path(tmp) / "tasks"
            files, missing = _fetch(source, where, staged, Path(tmp))
            if missing and not allow_missing:
                shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
                raise SourceError(f"{where}: {len(missing)} file(s) missing from the source "
                                  f"({shown}); --allow-missing pulls the rest and records them")
            record = {"name": name, "source": source.url, "read_from": where, "pin": source.pin,
                      "subdir": source.subdir, "files": files, "missing": list(missing),
                      "pulled_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
            (staged / MARKER).write_text(json.dumps(record, indent=2) + "\n")
            staged.rename(final)
    return _read_marker(name, final, fetched=True)


def _fetch(source: SourceRef, where: str, staged: Path, tmp: Path) -> tuple[int, tuple[str, ...]]:
    if source.rev is not None:
        local = gitsource.local_repo(where)
        if local is not None:
            git_dir = gitsource.git_dir_of(local)
        else:
            git_dir = gitsource.fetch_commit(where, source.rev, tmp / "repo.git")
        gitsource.verify_commit(git_dir, source.rev, where)
        got = gitsource.extract(git_dir, source.rev, source.subdir, staged)
        return got.files, got.missing
    assert source.sha256 is not None
    files = archive.fetch_archive(where, source.sha256, source.subdir, staged, tmp)
    return files, ()


def _read_marker(name: str, path: Path, *, fetched: bool) -> Pulled:
    rec = json.loads((path / MARKER).read_text())
    return Pulled(name, path, rec["read_from"], rec["pin"], rec["files"], tuple(rec["missing"]),
                  fetched)


def pulled(environ: Mapping[str, str] | None = None) -> list[Pulled]:
    """Every complete copy in the cache, by folder name."""
    root = datasets_dir(environ)
    found = sorted(p for p in root.glob("*@*") if (p / MARKER).is_file()) if root.is_dir() else []
    return [_read_marker(p.name.rsplit("@", 1)[0], p, fetched=False) for p in found]

