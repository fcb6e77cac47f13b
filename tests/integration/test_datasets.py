"""`agentindex datasets pull|list` through the real CLI, with a local git repository (and a
local archive) as the pinned source, and `-d` using the pulled copy."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from agentindex.tasks.catalog import resolve_datasets
from tests.conftest import write_task

pytestmark = pytest.mark.integration

CLI = [sys.executable, "-m", "agentindex.cli"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str]:
    """A repository with two tasks under bench/, committed; returns (path, commit)."""
    r = tmp_path / "upstream"
    for name in ("alpha", "beta"):
        write_task(r / "bench", name)
        (r / "bench" / name / "tests" / "test.sh").chmod(0o755)
    (r / "README.md").write_text("not a task\n")
    git(r.parent, "init", "-q", str(r))
    git(r, "add", ".")
    git(r, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "tasks")
    return r, git(r, "rev-parse", "HEAD")


def definition(tmp_path: Path, source: str, extra: str = "") -> Path:
    d = tmp_path / "defs" / "mybench@1.toml"
    d.parent.mkdir(exist_ok=True)
    d.write_text(f'name = "mybench"\nversion = "1"\ntasks = "${{MY_TASKS}}"\n{extra}\n'
                 f'[source]\n{source}\n')
    return d


def env(tmp_path: Path, **more: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if k not in ("MY_TASKS", "AGENTINDEX_SITE")}
    return {**e, "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "AGENTINDEX_SITE": str(tmp_path / "site.toml"), **more}


def cli(e: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI's output with each run of whitespace made one space (rich wraps long lines)."""
    out = subprocess.run([*CLI, "datasets", *args], capture_output=True, text=True, env=e,
                         timeout=120)
    return subprocess.CompletedProcess(out.args, out.returncode, " ".join(out.stdout.split()),
                                       " ".join(out.stderr.split()))


def test_pull_once_verified_then_d_uses_the_copy(tmp_path: Path,
                                                 repo: tuple[Path, str]) -> None:
    path, commit = repo
    d = definition(tmp_path, f'git = "{path}"\nrev = "{commit}"\nsubdir = "bench"')
    e = env(tmp_path)
    with pytest.raises(Exception, match=r"mybench@1 is not pulled: run `agentindex datasets "
                                        r"pull mybench@1`, or set MY_TASKS to a local copy"):
        resolve_datasets([str(d)], environ=e)

    first = cli(e, "pull", str(d))
    assert first.returncode == 0, first.stderr
    copy = tmp_path / "cache" / "agentindex" / "datasets" / f"mybench@{commit}"
    assert f"mybench@1: pulled at {copy} (10 files)" in first.stdout
    assert sorted(p.name for p in copy.iterdir()) == [".agentindex-dataset.json", "alpha", "beta"]
    assert os.access(copy / "alpha" / "tests" / "test.sh", os.X_OK)
    marker = json.loads((copy / ".agentindex-dataset.json").read_text())
    assert marker["pin"] == commit and marker["source"] == str(path) and marker["missing"] == []

    again = cli(e, "pull", str(d))
    assert "mybench@1: already present" in again.stdout
    sel = resolve_datasets([str(d)], environ=e)
    assert [t.name for t in sel.benchmarks[0].tasks] == ["alpha", "beta"]
    assert sel.benchmarks[0].tasks[0].path == copy / "alpha"

    # The variable still overrides the pulled copy with a local path.
    write_task(tmp_path / "mine", "gamma")
    sel = resolve_datasets([str(d)], environ={**e, "MY_TASKS": str(tmp_path / "mine")})
    assert [t.name for t in sel.benchmarks[0].tasks] == ["gamma"]

    listed = cli(e, "list")
    assert "mybench" in listed.stdout and commit[:12] in listed.stdout


def test_unreachable_source_names_the_source_and_the_override(tmp_path: Path,
                                                              repo: tuple[Path, str]) -> None:
    _, commit = repo
    url = "http://127.0.0.1:9/nowhere.git"
    d = definition(tmp_path, f'git = "{url}"\nrev = "{commit}"')
    out = cli(env(tmp_path), "pull", str(d))
    assert out.returncode == 2
    assert f"mybench@1: cannot pull {url}" in out.stderr
    assert "set MY_TASKS to a local copy of the tasks" in out.stderr
    assert not (tmp_path / "cache" / "agentindex" / "datasets" / f"mybench@{commit}").exists()


def test_a_commit_the_source_lacks_is_refused(tmp_path: Path, repo: tuple[Path, str]) -> None:
    path, _ = repo
    d = definition(tmp_path, f'git = "{path}"\nrev = "{"0" * 40}"')
    out = cli(env(tmp_path), "pull", str(d))
    assert out.returncode == 2 and f"{path}: has no commit {'0' * 40}" in out.stderr


def test_a_mirror_by_flag_or_site_config_replaces_the_url(tmp_path: Path,
                                                          repo: tuple[Path, str]) -> None:
    path, commit = repo
    official = "https://github.com/example/bench.git"
    d = definition(tmp_path, f'git = "{official}"\nrev = "{commit}"\nsubdir = "bench"')
    by_flag = cli(env(tmp_path), "pull", str(d), "--source", f"file://{path}")
    assert by_flag.returncode == 0, by_flag.stderr
    (tmp_path / "site.toml").write_text(f'[sources]\n"{official.removesuffix(".git")}" = '
                                        f'"{path}"\n')
    e = env(tmp_path, XDG_CACHE_HOME=str(tmp_path / "cache2"))
    by_site = cli(e, "pull", str(d))
    assert by_site.returncode == 0, by_site.stderr
    marker = tmp_path / "cache2" / "agentindex" / "datasets" / f"mybench@{commit}"
    assert json.loads((marker / ".agentindex-dataset.json").read_text())["read_from"] == str(path)


def test_blobs_missing_from_a_mirror_are_refused_or_recorded(tmp_path: Path,
                                                             repo: tuple[Path, str]) -> None:
    path, commit = repo
    blob = git(path, "rev-parse", f"{commit}:bench/beta/instruction.md")
    # alpha's instruction.md is the same blob: make beta's different first.
    (path / "bench" / "beta" / "instruction.md").write_text("Something else.\n")
    git(path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "beta")
    commit = git(path, "rev-parse", "HEAD")
    blob = git(path, "rev-parse", f"{commit}:bench/beta/instruction.md")
    (path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    d = definition(tmp_path, f'git = "{path}"\nrev = "{commit}"\nsubdir = "bench"')
    refused = cli(env(tmp_path), "pull", str(d))
    assert refused.returncode == 2
    assert "1 file(s) missing from the source (beta/instruction.md)" in refused.stderr
    allowed = cli(env(tmp_path), "pull", str(d), "--allow-missing")
    assert "(9 files, 1 missing from the source)" in allowed.stdout


def test_archive_source_checked_by_sha256(tmp_path: Path) -> None:
    write_task(tmp_path / "src" / "pkg" / "tasks", "alpha")
    tgz = tmp_path / "tasks.tar.gz"
    with tarfile.open(tgz, "w:gz") as t:
        t.add(tmp_path / "src" / "pkg", arcname="pkg")
    digest = hashlib.sha256(tgz.read_bytes()).hexdigest()
    bad = definition(tmp_path, f'archive = "{tgz}"\nsha256 = "{"a" * 64}"')
    out = cli(env(tmp_path), "pull", str(bad))
    assert out.returncode == 2
    assert f"sha256 is {digest}, the definition pins {'a' * 64}" in out.stderr
    good = definition(tmp_path, f'archive = "file://{tgz}"\nsha256 = "{digest}"\n'
                                'subdir = "pkg/tasks"')
    out = cli(env(tmp_path), "pull", str(good))
    assert out.returncode == 0, out.stderr
    sel = resolve_datasets([str(good)], environ=env(tmp_path))
    assert [t.name for t in sel.benchmarks[0].tasks] == ["alpha"]


def test_a_source_must_be_pinned(tmp_path: Path) -> None:
    d = definition(tmp_path, 'git = "https://example.org/x.git"\nrev = "main"')
    out = cli(env(tmp_path), "pull", str(d))
    assert out.returncode == 2 and "mybench@1.toml: source.rev: String should match" in out.stderr


def test_a_benchmark_without_a_source_says_so(tmp_path: Path) -> None:
    out = cli(env(tmp_path), "pull", "demo-qna@1")
    assert out.returncode == 0
    assert "demo-qna@1: its tasks come from ../demo/qna (no [source] to pull)" in out.stdout
