"""A dataset published as an archive (``.tar.gz``, ``.tar``, ``.tgz``, ``.zip``): downloaded or
copied, checked against its sha256 before anything is unpacked, unpacked without leaving its
folder (tar's ``data`` filter: no absolute paths, no ``..``, no device files)."""

from __future__ import annotations

import hashlib
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from agentindex.tasks.gitsource import SourceError

DOWNLOAD_TIMEOUT_S = 300.0


def fetch_archive(where: str, sha256: str, subdir: str, dest: Path, tmp: Path) -> int:
    """Unpack ``where`` (URL, ``file://`` URL or path), verified, with ``subdir`` as ``dest``;
    returns the number of files."""
    local = tmp / "archive"
    _download(where, local)
    digest = _sha256(local)
    if digest != sha256:
        raise SourceError(f"{where}: sha256 is {digest}, the definition pins {sha256}")
    unpacked = tmp / "unpacked"
    unpacked.mkdir()
    try:
        if zipfile.is_zipfile(local):
            with zipfile.ZipFile(local) as z:
                _check_zip_names(where, z.namelist())
                z.extractall(unpacked)
        else:
            with tarfile.open(local) as t:
                t.extractall(unpacked, filter="data")
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as e:
        raise SourceError(f"{where}: cannot unpack: {e}") from None
    inner = unpacked / subdir.strip("/") if subdir.strip("/") else unpacked
    if not inner.is_dir():
        raise SourceError(f"{where}: has no folder {subdir!r}")
    inner.rename(dest)
    return sum(1 for p in dest.rglob("*") if p.is_file())


def _download(where: str, to: Path) -> None:
    if "://" not in where or where.startswith("file://"):
        path = Path(where.removeprefix("file://"))
        if not path.is_file():
            raise SourceError(f"{where}: no such archive")
        shutil.copyfile(path, to)
        return
    try:
        with urllib.request.urlopen(where, timeout=DOWNLOAD_TIMEOUT_S) as r, to.open("wb") as f:
            shutil.copyfileobj(r, f, 1 << 20)
    except (urllib.error.URLError, OSError) as e:
        raise SourceError(f"{where}: download failed: {e}") from None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _check_zip_names(where: str, names: list[str]) -> None:
    for n in names:
        if n.startswith("/") or ".." in Path(n).parts:
            raise SourceError(f"{where}: refusing archive member outside the dataset: {n}")
