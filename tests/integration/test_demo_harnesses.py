"""What `make demo` runs: real harnesses solve the demo suite through their own tool loops with
scripted/oracle, through the real CLI, metered by the gateway."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from agentindex.gateway import scripted_usage

pytestmark = pytest.mark.integration

HARNESS_PROTOCOL = {"builtin": "anthropic", "claude-code": "anthropic",
                    "codex": "openai-responses"}


def test_demo_with_real_harnesses(tmp_path: Path) -> None:
    args = [sys.executable, "-m", "agentindex.cli", "run", "-d", "demo", "-a", "oracle", "-a",
            "builtin", "-a", "claude-code", "-a", "codex", "-m", "scripted/oracle", "-o",
            str(tmp_path), "--job", "H", "-n", "2"]
    first = subprocess.run(args, capture_output=True, text=True, timeout=1800)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    report = json.loads((tmp_path / "H" / "report.json").read_text())
    for variant in report["variants"]:
        for ref, bench in variant["benchmarks"].items():
            assert bench["score"] == 1.0, (variant["label"], ref)
            assert bench["errored"] == 0, (variant["label"], ref)

    with sqlite3.connect(tmp_path / "H" / "results.sqlite") as db:
        db.row_factory = sqlite3.Row
        agents = {r["variant_key"]: r["agent"] for r in db.execute("select * from variants")}
        trials = list(db.execute("select * from trials"))
        calls = list(db.execute("select * from calls"))
    by_trial: dict[str, list[sqlite3.Row]] = {}
    for c in calls:
        by_trial.setdefault(c["trial_id"], []).append(c)
    for t in trials:
        agent = agents[t["variant_key"]]
        mine = by_trial.get(t["trial_id"], [])
        if agent == "oracle":
            assert mine == []
            continue
        # Installed once (by setup or the first trial), never per trial.
        assert t["install_s"] < 1.0, (agent, t["install_s"])
        assert mine and all(c["status"] == 200 for c in mine), agent
        expected = scripted_usage(HARNESS_PROTOCOL[agent])
        for c in mine:
            assert c["protocol"] == HARNESS_PROTOCOL[agent]
            assert (c["input"], c["cache_read"], c["output"]) == (
                expected.input, expected.cache_read, expected.output)
        trial_dir = tmp_path / "H" / "trials" / t["trial_id"]
        assert len((trial_dir / "calls.jsonl").read_text().splitlines()) == len(mine)

    second = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert "ran 0 trial(s)" in second.stdout
