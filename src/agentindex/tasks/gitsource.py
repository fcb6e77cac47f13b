"""Extract one folder of one commit from a git repository, verified by the commit id.

A local repository (a path or ``file://`` URL) is read in place; a remote one is fetched first
(``git fetch --depth 1 URL COMMIT`` into a bare repository). The folder is then written from the
object store (``ls-tree`` + ``cat-file --batch``), without a work tree, so a mirror that lacks a
few large blobs still yields every other file, and the missing ones are named.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from agentindex.errors import AgentIndexError

SHA = re.compile(r"^[0-9a-f]{40}$")
FETCH_TIMEOUT_S = 900.0


class SourceError(AgentIndexError):
    """A dataset source cannot be read (unreachable, no such commit, missing content)."""


@dataclass(frozen=True)
class Extracted:
    files: int
    missing: tuple[str, ...]  # paths (relative to the folder) whose content the source lacks
    skipped: tuple[str, ...]  # submodules: not content of this repository


def local_repo(url: str) -> Path | None:
    """The path of a local repository given as a path or ``file://`` URL, else None."""
    if url.startswith("file://"):
        return Path(url.removeprefix("file://"))
    if "://" in url or re.match(r"^[\w.-]+@[\w.-]+:", url):
        return None
    return Path(url)


def _git(git_dir: Path, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], capture_output=True,
                          text=True, timeout=timeout)


def git_dir_of(path: Path) -> Path:
    """The git directory of a local repository (bare or with a work tree)."""
    out = subprocess.run(["git", "-C", str(path), "rev-parse", "--absolute-git-dir"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SourceError(f"{path}: not a git repository ({out.stderr.strip()})")
    return Path(out.stdout.strip())


def fetch_commit(url: str, commit: str, into: Path) -> Path:
    """A bare repository at ``into`` holding ``commit`` fetched from ``url`` (depth 1)."""
    subprocess.run(["git", "init", "-q", "--bare", str(into)], check=True, capture_output=True)
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    try:
        out = subprocess.run(["git", f"--git-dir={into}", "fetch", "-q", "--depth", "1", url,
                              commit], capture_output=True, text=True, env=env,
                             timeout=FETCH_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise SourceError(f"git fetch {url} timed out after {FETCH_TIMEOUT_S:.0f} s") from None
    if out.returncode != 0:
        raise SourceError(f"git fetch {url} {commit}: {out.stderr.strip() or 'failed'}")
    return into


def verify_commit(git_dir: Path, commit: str, source: str) -> None:
    out = _git(git_dir, "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}")
    if out.returncode != 0 or out.stdout.strip() != commit:
        raise SourceError(f"{source}: has no commit {commit}")


def extract(git_dir: Path, commit: str, subdir: str, dest: Path) -> Extracted:
    """Write ``commit:subdir`` into the new directory ``dest``; returns what was written."""
    prefix = subdir.strip("/")
    listing = _git(git_dir, "ls-tree", "-r", "-z", "--full-tree", commit,
                   *(["--", prefix + "/"] if prefix else []))
    if listing.returncode != 0:
        raise SourceError(f"git ls-tree {commit}: {listing.stderr.strip()}")
    entries, skipped = [], []
    for record in filter(None, listing.stdout.split("\0")):
        meta, path = record.split("\t", 1)
        mode, kind, oid = meta.split()
        rel = path[len(prefix) + 1:] if prefix else path
        if kind == "commit":
            skipped.append(rel)
        else:
            entries.append((mode, oid, rel))
    if not entries:
        raise SourceError(f"commit {commit} has nothing under {subdir!r}")
    dest.mkdir(parents=True)
    missing = _write_blobs(git_dir, entries, dest)
    return Extracted(len(entries) - len(missing), tuple(missing), tuple(skipped))


def _write_blobs(git_dir: Path, entries: list[tuple[str, str, str]], dest: Path) -> list[str]:
    proc = subprocess.Popen(["git", f"--git-dir={git_dir}", "cat-file", "--batch"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    stdin = proc.stdin

    def feed() -> None:  # a thread, so a large blob on stdout never blocks our writes
        with stdin:
            for _, oid, _ in entries:
                stdin.write(oid.encode() + b"\n")

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    missing: list[str] = []
    for mode, _, rel in entries:
        header = proc.stdout.readline().split()
        if not header:  # git stopped answering: a broken object store
            proc.kill()
            raise SourceError(f"git cat-file stopped at {rel} (git exited {proc.wait()})")
        if len(header) == 2 and header[1] == b"missing":
            missing.append(rel)
            continue
        data = proc.stdout.read(int(header[2]))
        proc.stdout.read(1)  # the newline after each object
        _write_entry(dest, rel, mode, data)
    writer.join()
    proc.wait()
    return missing


def _write_entry(dest: Path, rel: str, mode: str, data: bytes) -> None:
    target = dest / rel
    if ".." in Path(rel).parts or Path(rel).is_absolute():
        raise SourceError(f"refusing path outside the dataset: {rel}")
    target.parent.mkdir(parents=True, exist_ok=True)
    if mode == "120000":
        target.symlink_to(data.decode())
        return
    target.write_bytes(data)
    if mode == "100755":
        target.chmod(0o755)
