"""A benchmark's evidence rule in a real job: a TB2-shaped verifier that never ran its tests but
wrote reward 0 is a `verifier` error, retried, excluded from the score and shown, never a 0."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.conftest import write_task
from tests.integration.helpers import run, trial_rows

pytestmark = pytest.mark.integration

# TB2's test.sh, shortened: uvx is not there, so pytest never runs, and the script writes 0.
NO_TESTS = textwrap.dedent("""\
    #!/bin/bash
    source $HOME/.local/bin/env 2>/dev/null
    uvx -p 3.13 -w pytest==8.4.1 -w pytest-json-ctrf==0.3.5 \\
      pytest --ctrf /logs/verifier/ctrf.json /tests/test_outputs.py -rA
    if [ $? -eq 0 ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
    """)


def benchmark(tmp_path: Path, tasks: Path) -> Path:
    d = tmp_path / "tb2-like@1.toml"
    d.write_text(f'name = "tb2-like"\nversion = "1"\ntasks = "{tasks}"\n[verifier]\n'
                 'evidence = ["/logs/verifier/ctrf.json"]\nreward_range = [0.0, 1.0]\n')
    return d


def test_reward_0_without_ctrf_is_a_verifier_error(tmp_path: Path) -> None:
    write_task(tmp_path / "tasks", "no-tests", test=NO_TESTS)
    summary = run(benchmark(tmp_path, tmp_path / "tasks"), ["nop"], tmp_path / "jobs")
    [row] = trial_rows(summary.job_dir)
    assert row["error_class"] == "verifier" and row["score_as"] == "exclude"
    assert row["reward"] is None and row["tries"] == 2  # retried once, per the policy
    assert "reward 0 without the evidence that the tests ran: /logs/verifier/ctrf.json" \
        in row["error_message"]
    result = json.loads((summary.job_dir / "trials" / row["trial_id"] / "result.json")
                        .read_text())
    assert result["error_class"] == "verifier" and result["reward"] is None
