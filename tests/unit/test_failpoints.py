"""Failpoints are off without a plan, and with one fire at their rate, the same way each run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentindex import failpoints
from agentindex.errors import ConfigError


@pytest.fixture(autouse=True)
def fresh_plan() -> Iterator[None]:
    failpoints.plan.cache_clear()
    yield
    failpoints.plan.cache_clear()


def use_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **plan: object) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    monkeypatch.setenv(failpoints.ENV, str(path))


def test_off_without_a_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(failpoints.ENV, raising=False)
    assert not any(failpoints.fires(p, str(i)) for p in failpoints.POINTS for i in range(500))
    assert failpoints.agent_fault("t-1") is None


def test_fires_at_its_rate_and_logs_each_firing(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    use_plan(tmp_path, monkeypatch, seed=3, rates={"sandbox.start": 0.2}, log=str(tmp_path))
    fired = [i for i in range(2000) if failpoints.fires("sandbox.start", f"t-{i}")]
    assert 300 < len(fired) < 500
    assert fired == [i for i in range(2000) if failpoints.fires("sandbox.start", f"t-{i}")]
    assert not any(failpoints.fires("sandbox.exec", f"t-{i}") for i in range(200))
    [log] = tmp_path.glob("fired-*.jsonl")
    assert len(log.read_text().splitlines()) == 2 * len(fired)


def test_agent_fault_names_the_stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_plan(tmp_path, monkeypatch, rates={"agent.hang": 1.0})
    assert failpoints.agent_fault("t-1") == failpoints.AGENT_SCRIPTS["agent.hang"]


def test_an_unknown_point_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_plan(tmp_path, monkeypatch, rates={"sandbox.stat": 0.1})
    with pytest.raises(ConfigError, match=r"sandbox\.stat"):
        failpoints.plan()
