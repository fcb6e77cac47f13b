"""Installs happen once per version, atomically, one at a time; failures carry the message."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest

from agentindex.agents.install import DONE, ensure_installed, is_installed
from agentindex.errors import InstallError


@dataclass(frozen=True)
class ShellPackage:
    """An installer we control: a shell script run in the install directory."""

    script: str

    def commands(self, prefix: Path, version: str) -> list[list[str]]:
        return [["bash", "-c", self.script, "install", str(prefix), version]]

    def executable(self, root: str) -> list[str]:
        return [f"{root}/bin/tool"]


SLOW = ShellPackage('sleep 0.3; echo x >> "$(dirname "$1")/runs"; mkdir -p "$1/bin"; '
                    'echo "$2" > "$1/bin/tool"')


async def test_installs_once_and_concurrent_trials_wait(tmp_path: Path) -> None:
    results = await asyncio.gather(*(ensure_installed(tmp_path, "tool", "1.0", SLOW)  # type: ignore[arg-type]
                                     for _ in range(4)))
    assert (tmp_path / "runs").read_text() == "x\n"  # one install for four trials
    assert sum(r.seconds > 0 for r in results) == 1  # the others found it done
    assert (tmp_path / "tool@1.0" / "bin" / "tool").read_text() == "1.0\n"
    assert is_installed(tmp_path, "tool", "1.0")
    again = await ensure_installed(tmp_path, "tool", "1.0", SLOW)  # type: ignore[arg-type]
    assert again.seconds == 0.0 and again.sandbox_path == "/opt/agentindex/agents/tool@1.0"
    assert not list(tmp_path.glob(".tool@1.0.tmp-*"))


async def test_failure_raises_with_the_installers_message_and_leaves_nothing(
        tmp_path: Path) -> None:
    bad = ShellPackage('mkdir -p "$1/bin"; echo "npm ERR! 404 no such package" >&2; exit 1')
    with pytest.raises(InstallError, match="npm ERR! 404 no such package"):
        await ensure_installed(tmp_path, "tool", "9.9", bad)  # type: ignore[arg-type]
    assert not (tmp_path / "tool@9.9").exists()
    assert not list(tmp_path.glob(".tool@9.9.tmp-*"))


async def test_an_install_without_its_command_is_a_failure(tmp_path: Path) -> None:
    with pytest.raises(InstallError, match="left no"):
        await ensure_installed(tmp_path, "tool", "2.0", ShellPackage("true"))  # type: ignore[arg-type]


async def test_a_half_install_is_redone(tmp_path: Path) -> None:
    (tmp_path / "tool@1.0" / "bin").mkdir(parents=True)  # killed mid-way in an older layout
    result = await ensure_installed(tmp_path, "tool", "1.0", SLOW)  # type: ignore[arg-type]
    assert result.seconds > 0 and (result.path / DONE).is_file()
