"""One cache directory, honouring AGENTINDEX_CACHE, then XDG_CACHE_HOME, then ~/.cache."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agentindex.paths import cache_dir


def test_cache_dir_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("AGENTINDEX_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir("agents") == tmp_path / "home" / ".cache" / "agentindex" / "agents"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "agentindex"
    monkeypatch.setenv("AGENTINDEX_CACHE", str(tmp_path / "ai"))
    assert cache_dir("bwrap") == tmp_path / "ai" / "bwrap"


def test_every_module_uses_it(tmp_path: Path) -> None:
    """Harness installs, bwrap's /etc, the engine's directory and base images all move with
    XDG_CACHE_HOME (read once, at import)."""
    code = ("from agentindex.agents.install import CACHE as a; "
            "from agentindex.sandbox.bwrap import CACHE as b; "
            "from agentindex.sandbox.base_image import default_cache as c; "
            "from agentindex.sandbox.images import engine_cwd as e; "
            "print(a, b, c(), e(), sep='\\n')")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"),
           "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    root = tmp_path / "xdg" / "agentindex"
    assert out == [str(root / "agents"), str(root / "bwrap"), str(root), str(root / "engine")]


def test_no_other_cache_path_in_the_source() -> None:
    src = Path(__file__).parents[2] / "src" / "agentindex"
    hits = [p for p in src.rglob("*.py") if p.name != "paths.py"
            and any(word in p.read_text() for word in ('".cache"', "XDG_CACHE"))]
    assert not hits, hits
