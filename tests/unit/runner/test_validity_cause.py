"""A validity reason says why the oracle failed, from the trial's own artifacts."""

from __future__ import annotations

import json
from pathlib import Path

from agentindex.runner.validity import classify, failure_cause


def trial(tmp_path: Path, error_class: str | None, stderr: str = "", ctrf: dict | None = None
          ) -> Path:
    d = tmp_path / "t"
    (d / "agent").mkdir(parents=True)
    (d / "verifier").mkdir()
    (d / "result.json").write_text(json.dumps({"error_class": error_class}))
    (d / "agent" / "stderr.txt").write_text(stderr)
    if ctrf is not None:
        (d / "verifier" / "ctrf.json").write_text(json.dumps(ctrf))
    return d


def test_a_crashed_oracle_gives_its_last_line(tmp_path: Path) -> None:
    d = trial(tmp_path, "agent_crash", "Reading...\nE: Version '5.0-1' for 'ncompress' was not "
              "found\n\n")
    assert failure_cause(d) == "agent: E: Version '5.0-1' for 'ncompress' was not found"


def test_a_failing_test_gives_its_name_and_first_error_line(tmp_path: Path) -> None:
    ctrf = {"results": {"tests": [
        {"name": "test_outputs.py::test_ok", "status": "passed"},
        {"name": "test_outputs.py::test_web", "status": "failed", "message": "failed",
         "trace": "def test_web():\n>   get()\nE   URLError: no host\nE   more\n"}]}}
    d = trial(tmp_path, None, ctrf=ctrf)
    assert failure_cause(d) == "test_web failed: URLError: no host"
    oracle = {"reward": 0.0, "error_class": None, "error_message": None,
              "cause": failure_cause(d)}
    nop = {"reward": 0.0, "error_class": None, "error_message": None}
    assert classify(oracle, nop)[1] == "oracle scored 0.0; test_web failed: URLError: no host"


def test_no_artifacts_no_cause(tmp_path: Path) -> None:
    assert failure_cause(tmp_path / "missing") is None
