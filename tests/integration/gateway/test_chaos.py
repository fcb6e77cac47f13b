"""``scripted/chaos``: the provider faults the soak injects, served for real over HTTP in every
wire format, each one recorded as a failed call and counted in the served log; and a call still
in flight when its try ends (a stall the harness gave up on) is recorded with the try."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest

from agentindex.gateway import CallRecord, Gateway, ProvidersConfig
from agentindex.gateway.scripted_provider import SERVED_LOG_ENV
from agentindex.runner.metering import metered
from agentindex.tasks.loader import load_task
from tests.conftest import write_task

from .conftest import Rig
from .test_scripted_wire import WIRE, _call

pytestmark = pytest.mark.integration

ERRORS = {"429": 429, "500": 500, "529": 529}


@pytest.mark.parametrize("protocol", list(WIRE))
@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("fault", ["429", "500", "529", "cut", "malformed"])
async def test_each_fault_is_served_and_recorded(rig: Rig, protocol: str, stream: bool,
                                                 fault: str) -> None:
    records: list[CallRecord] = []
    model = f"scripted/chaos?seed=1&rate=1&faults={fault}"
    route = rig.gateway.open_trial("t", 1, model=model, sink=records.append)
    status, data, headers = await _call(route.base_url, protocol, stream, WIRE[protocol][1])
    [record] = records
    if fault in ERRORS:
        assert status == record.status == ERRORS[fault]
        assert (headers.get("Retry-After") == "1") == (fault == "429")
    elif fault == "cut":
        assert status == 200 and record.error is not None
        assert record.error.startswith("stream cut")
    else:
        assert status == 200 and record.error == "malformed response (scripted/chaos)"
        if not stream:
            with pytest.raises(ValueError):
                json.loads(data)
    assert record.error is not None


async def test_no_fault_at_rate_zero(rig: Rig) -> None:
    records: list[CallRecord] = []
    route = rig.gateway.open_trial("t", 1, model="scripted/chaos?rate=0", sink=records.append)
    for _ in range(5):
        status, _, _ = await _call(route.base_url, "anthropic", False, WIRE["anthropic"][1])
        assert status == 200
    assert [r.error for r in records] == [None] * 5


async def test_served_log_counts_every_call(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SERVED_LOG_ENV, str(tmp_path / "served"))
    records: list[CallRecord] = []
    async with Gateway(ProvidersConfig.defaults()) as gw:
        route = gw.open_trial("t", 1, model="scripted/flaky", sink=records.append)
        for _ in range(3):
            await _call(route.base_url, "anthropic", False, WIRE["anthropic"][1])
    [log] = (tmp_path / "served").glob("served-*.jsonl")
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["call_no"], e["fault"]) for e in lines] == [(1, "429"), (2, "529"), (3, None)]
    assert [r.status for r in records] == [429, 529, 200]


async def test_a_call_in_flight_when_the_try_ends_is_recorded(tmp_path: Path) -> None:
    """The harness gave up on a stalled call (its read timeout), retried, finished; the try ends
    while the stalled call still waits. It must be in the try's calls, not lost (found by the
    soak: such calls were served but never recorded)."""
    task = load_task(write_task(tmp_path, "t"))
    path, body = WIRE["anthropic"]
    async with Gateway(ProvidersConfig.defaults()) as gw:
        async with metered(gw, "trial-1", 1, "scripted/chaos?rate=1&faults=stall&stall=30",
                           task, tmp_path / "calls.jsonl") as m:
            timeout = aiohttp.ClientTimeout(total=0.5)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                with pytest.raises(asyncio.TimeoutError):
                    async with session.post(m.route.base_url + path, json=body) as resp:
                        await resp.read()
        calls = m.calls
    assert [c.error for c in calls] == ["stalled 30 s (scripted/chaos)"]
    [line] = (tmp_path / "calls.jsonl").read_text().splitlines()
    assert json.loads(line)["error"] == "stalled 30 s (scripted/chaos)"
