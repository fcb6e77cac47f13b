"""The HTML report and ``agentindex view`` in headless Chromium: charts render, the table sorts,
a trial page shows its calls, the console has no errors. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from agentindex.report import load_report, render
from agentindex.view.app import make_app
from tests.integration.report.cdp import CHROMIUM, browser
from tests.unit.report.scenario import scenario_job

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(CHROMIUM is None, reason="no chromium: scripts/setup_browser.sh")]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"

CHARTS_DRAWN = """Array.from(document.querySelectorAll('.chart')).map(d => {
  const svg = d.querySelector('svg.main-svg');
  return [d.id, !!svg && svg.querySelectorAll('path, rect, text').length > 0];
})"""
FIRST_COLUMN = "Array.from(document.querySelectorAll('#leaderboard tbody tr'))" \
               ".map(r => r.cells[0].textContent)"


@pytest.fixture
def job(tmp_path: Path) -> Path:
    job = scenario_job(tmp_path / "job")
    trial = job / "trials" / "Builtin-t2-1"
    (trial / "agent").mkdir(parents=True)
    (trial / "agent" / "stdout.txt").write_text("ls\nls\nls\n")
    (trial / "verifier").mkdir()
    (trial / "verifier" / "test-stdout.txt").write_text("FAILED test_answer\n")
    return job


async def test_html_report_renders_sorts_and_has_no_console_errors(job: Path) -> None:
    page_file = job / "report.html"
    page_file.write_text(render(load_report(job), "html"))
    html = page_file.read_text()
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", html)  # nothing to fetch
    async with browser() as page:
        await page.goto(page_file.as_uri())
        charts = await page.eval(CHARTS_DRAWN)
        assert len(charts) >= 5 and all(drawn for _, drawn in charts), charts
        assert await page.eval(FIRST_COLUMN) == ["Builtin", "Claude", "Nop"]  # by index
        await page.eval("document.querySelector('#leaderboard th[data-col=\"0\"]').click()")
        assert await page.eval(FIRST_COLUMN) == ["Builtin", "Claude", "Nop"]  # by name, up
        await page.eval("document.querySelector('#leaderboard th[data-col=\"0\"]').click()")
        assert await page.eval(FIRST_COLUMN) == ["Nop", "Claude", "Builtin"]  # down
        await page.eval("document.querySelector('#leaderboard th[data-col=\"1\"]').click()")
        assert await page.eval(FIRST_COLUMN) == ["Nop", "Claude", "Builtin"]  # index, up
        await page.screenshot(ARTIFACTS / "report.png")
        assert page.errors == []


@pytest.fixture
async def view_url(job: Path) -> AsyncIterator[str]:
    runner = web.AppRunner(make_app(job))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_view_filters_and_shows_a_trial_with_its_calls(view_url: str) -> None:
    async with browser() as page:
        await page.goto(view_url + "/")
        assert await page.eval("document.querySelectorAll('#trials tr.trial').length") == 9
        await page.goto(view_url + "/?variant=Builtin&outcome=failed")
        rows = await page.eval("Array.from(document.querySelectorAll('#trials tr.trial'))"
                               ".map(r => r.cells[0].textContent)")
        assert rows == ["Builtin-t2-1"]
        await page.goto(view_url + "/?benchmark=b2")
        assert await page.eval("document.querySelectorAll('#trials tr.trial').length") == 3
        await page.goto(view_url + "/trial/Builtin-t2-1")
        assert await page.eval("document.querySelectorAll('#calls tr.call').length") == 3
        charts = await page.eval(CHARTS_DRAWN)
        assert charts == [["timeline", True]]
        text = await page.eval("document.body.innerText")
        assert "FAILED test_answer" in text and "ls\nls" in text
        await page.screenshot(ARTIFACTS / "view-trial.png")
        await page.goto(view_url + "/report")
        charts = await page.eval(CHARTS_DRAWN)
        assert charts and all(drawn for _, drawn in charts), charts
        await page.screenshot(ARTIFACTS / "view-report.png")
        assert page.errors == []
