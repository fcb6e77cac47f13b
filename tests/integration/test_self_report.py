"""A self-report that cannot be parsed is recorded as such, and the trial is still verified."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from agentindex.view.app import make_app
from tests.conftest import TaskFactory
from tests.integration.helpers import run, trial_rows

pytestmark = pytest.mark.integration

# The reference solution solves the task and, through the harness's own shell tool, leaves a
# malformed line in the builtin harness's log (its self-report), the way a crashed writer would.
CORRUPT = "echo done > /app/out.txt\nprintf '{\"usage\": {\"input_tokens\": 1' >> " \
          "/logs/agent/builtin.jsonl"


def test_malformed_self_report_is_recorded_and_the_trial_verified(make_task: TaskFactory,
                                                                 tmp_path: Path) -> None:
    task = make_task("corrupt", solve=CORRUPT)
    summary = run(task, ["builtin"], tmp_path / "jobs", models=["scripted/oracle"])
    [row] = trial_rows(summary.job_dir)
    assert (row["error_class"], row["reward"], row["score_as"]) == (None, 1.0, "reward")
    assert row["self_report"] is None
    assert row["self_report_error"].startswith(
        "builtin self-report could not be parsed: JSONDecodeError: ")
    log = (summary.job_dir / "trials" / row["trial_id"] / "agent" / "builtin.jsonl").read_text()
    assert '{"usage": {"input_tokens": 1' in log  # the bytes the parser was given

    async def page() -> str:  # the view's trial page says so
        server = TestServer(make_app(summary.job_dir), host="127.0.0.1")
        await server.start_server()
        try:
            async with ClientSession() as http, \
                    http.get(server.make_url(f"/trial/{row['trial_id']}")) as resp:
                return await resp.text()
        finally:
            await server.close()

    assert "builtin self-report could not be parsed: JSONDecodeError: " in asyncio.run(page())
