"""A command Gemini CLI's own filter refuses (sent by ``scripted/refused``) shows up in the trial's
record: in its trajectory as a refused tool result, as a count on the trial, marked on the view's
trial page (headless Chromium) and in the ATIF export. With ``--no-trajectories`` the job keeps no
prompt or response text."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from agentindex.results import load_trial_result
from agentindex.results.trajectory import ToolResultEvent, load_trajectory
from agentindex.view.app import make_app
from tests.integration.report.cdp import CHROMIUM, browser

pytestmark = pytest.mark.integration
TASK = Path(__file__).resolve().parents[3] / "src/agentindex/data/demo/terminal/access-log-stats"
REFUSAL = "Command injection detected"
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def _run(out: Path, job: str, *args: str) -> Path:
    cmd = [sys.executable, "-m", "agentindex.cli", "run", "-d", str(TASK), "-o", str(out),
           "--job", job, *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out / job


@pytest.fixture(scope="module")
def refused_job(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run(tmp_path_factory.mktemp("jobs"), "R", "-a", "gemini-cli", "-m", "scripted/refused")


def _trial_dir(job: Path) -> Path:
    (trial,) = [p for p in (job / "trials").iterdir() if not p.name.startswith(".")]
    return trial


def test_the_refused_command_is_in_the_trajectory_and_counted(refused_job: Path) -> None:
    trial = _trial_dir(refused_job)
    results = [e for e in load_trajectory(trial / "trajectory.jsonl")
               if isinstance(e, ToolResultEvent)]
    refused = [r for r in results if r.refused]
    assert len(refused) == 1 and REFUSAL in refused[0].text and refused[0].is_error is True
    assert not any(r.refused for r in results if r is not refused[0])
    result = load_trial_result(trial / "result.json")
    assert result.refused_tool_calls == 1
    assert result.reward == 1.0  # the oracle's next call ran the solution
    (variant,) = json.loads((refused_job / "report.json").read_text())["variants"]
    assert variant["refused_tool_calls"] == 1  # and the leaderboard says so


def test_the_atif_export_marks_the_refusal(refused_job: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "agentindex.cli", "export", str(refused_job),
                           "--format", "atif"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    (path,) = (refused_job / "export" / "atif").iterdir()
    doc = json.loads(path.read_text())
    assert doc["schema_version"] == "ATIF-v1.4" and doc["agent"]["name"] == "gemini-cli"
    assert [s["step_id"] for s in doc["steps"]] == list(range(1, len(doc["steps"]) + 1))
    observed = [r for s in doc["steps"] for r in s.get("observation", {}).get("results", [])]
    marked = [r for r in observed if r.get("extra", {}).get("refused_by_harness")]
    assert len(marked) == 1 and REFUSAL in marked[0]["content"]
    assert doc["extra"]["agentindex"]["refused_tool_calls"] == 1


@pytest.fixture
async def view_url(refused_job: Path) -> AsyncIterator[str]:
    runner = web.AppRunner(make_app(refused_job))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


MARKED = """Array.from(document.querySelectorAll('#transcript details.refused')).map(d =>
  [d.open, d.querySelector('.mark').textContent, d.querySelector('pre').textContent])"""
VISIBLE = "Array.from(document.querySelectorAll('#transcript details'))" \
          ".filter(d => d.offsetParent !== null).length"


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium: scripts/setup_browser.sh")
async def test_the_trial_page_marks_the_refused_command(refused_job: Path, view_url: str) -> None:
    trial = _trial_dir(refused_job).name
    async with browser() as page:
        await page.goto(f"{view_url}/trial/{trial}")
        marked = await page.eval(MARKED)
        assert len(marked) == 1
        is_open, mark, text = marked[0]
        assert is_open and mark == "refused by the harness" and REFUSAL in text
        everything = await page.eval(VISIBLE)
        await page.eval("const s = document.getElementById('search'); s.value = 'injection';"
                        "s.dispatchEvent(new Event('input'))")
        found = await page.eval(VISIBLE)
        assert 1 <= found < everything
        # the raw harness logs are one click away
        assert await page.eval("document.getElementById('raw-logs').open") is False
        await page.eval("document.querySelector('#raw-logs summary').click()")
        assert await page.eval("document.getElementById('raw-logs').open") is True
        await page.screenshot(ARTIFACTS / "view-transcript.png")
        assert page.errors == []


def test_no_trajectories_stores_no_prompt_or_response_text(tmp_path: Path) -> None:
    job = _run(tmp_path, "Q", "-a", "builtin", "-m", "scripted/oracle", "--no-trajectories")
    trial = _trial_dir(job)
    assert not (trial / "trajectory.jsonl").exists()
    assert load_trial_result(trial / "result.json").refused_tool_calls is None
    (variant,) = json.loads((job / "report.json").read_text())["variants"]
    assert variant["refused_tool_calls"] is None  # not measured, not 0
    instruction = (TASK / "instruction.md").read_text().splitlines()[0]
    needles = [instruction, "coding agent working in a Linux sandbox",  # builtin's system prompt
               "echo IyEvYmluL2Jhc2g"]  # the start of the oracle's encoded command
    scanned = [p for p in job.rglob("*") if p.is_file() and "agent" not in p.relative_to(
        job).parts]  # the harness's own logs are kept as before
    assert job / "results.sqlite" in scanned and trial / "calls.jsonl" in scanned
    for path in scanned:
        data = path.read_bytes()
        for needle in needles:
            assert needle.encode() not in data, (path, needle)
