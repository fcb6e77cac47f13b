"""A real run's report.json and result.json validate against the checked-in JSON Schemas (with
the external ``jsonschema`` package), and read back as the models they were written from."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from agentindex.results import load_report_file, load_trial_result
from agentindex.results.schema import DEFAULT_DIR
from agentindex.store import Store

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def job(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """oracle, nop and builtin (scripted: calls, a self-report, a reconciliation) on the demo
    terminal tasks, through the real runner and command line."""
    out = tmp_path_factory.mktemp("jobs")
    subprocess.run([sys.executable, "-m", "agentindex.cli", "run", "-d", "demo-terminal@1",
                    "-a", "oracle", "-a", "nop", "-a", "builtin", "-m", "scripted/oracle",
                    "-o", str(out), "--job", "S"], check=True, capture_output=True, timeout=600)
    return out / "S"


def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((DEFAULT_DIR / name).read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_report_json_validates_and_reads_back(job: Path) -> None:
    data = json.loads((job / "report.json").read_text())
    _validator("report.schema.json").validate(data)
    report = load_report_file(job / "report.json")
    builtin = next(v for v in report.variants if v.agent == "builtin")
    assert builtin.reconciliation is not None and builtin.reconciliation.rule == "exact"
    assert builtin.spend_total_usd == 0.0  # scripted/oracle is free, and its usage measured
    bad = {**data, "variants": [{**data["variants"][0], "index": "high"}]}
    with pytest.raises(jsonschema.ValidationError):
        _validator("report.schema.json").validate(bad)


def test_every_result_json_validates_and_is_the_stored_trial(job: Path) -> None:
    validator = _validator("trial.schema.json")
    files = sorted((job / "trials").glob("*/result.json"))
    assert len(files) == 12  # 4 tasks x 3 variants
    for f in files:
        validator.validate(json.loads(f.read_text()))
    from_files = {t.trial_id: t for t in map(load_trial_result, files)}
    store = Store.in_job(job)
    try:
        assert {t.trial_id: t for t in store.trials()} == from_files
    finally:
        store.close()
    assert {t.reward for t in from_files.values() if t.variant.agent != "nop"} == {1.0}
