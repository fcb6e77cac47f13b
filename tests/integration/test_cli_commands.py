"""The setup commands are `agentindex` subcommands (one entry point each), as the setup scripts
call them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agentindex.agents import get_agent

pytestmark = pytest.mark.integration
CLI = [sys.executable, "-m", "agentindex.cli"]


def test_agents_install_skips_an_installed_harness() -> None:
    pinned = get_agent("gemini-cli").version  # installed by scripts/setup_agents.sh
    out = subprocess.run([*CLI, "agents", "install", "gemini-cli"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"gemini-cli@{pinned}: ready in 0.0 s"), out.stdout


def test_agents_install_names_an_unknown_harness() -> None:
    out = subprocess.run([*CLI, "agents", "install", "no-such-harness"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 2 and "no-such-harness" in out.stderr, out.stderr


def test_prices_bad_date_is_one_line() -> None:
    out = subprocess.run([*CLI, "prices", "anthropic/claude-sonnet-4-5", "--date", "soon"],
                         capture_output=True, text=True, timeout=60)
    assert (out.returncode, out.stderr.strip()) == (
        2, "error: prices: --date: 'soon' is not YYYY-MM-DD")
