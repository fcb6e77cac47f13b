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


# TB2's test.sh as shipped, but for the host's Python (bwrap runs on the host's /usr, Debian 12):
# its curl and uv download fail here, the provided uv/uvx run real pytest with the ctrf plugin.
TB2_SHAPED = textwrap.dedent("""\
    #!/bin/bash
    apt-get update
    apt-get install -y curl
    curl -LsSf https://astral.sh/uv/0.9.5/install.sh | sh
    source $HOME/.local/bin/env
    if [ "$PWD" = "/" ]; then
        echo "Error: No working directory set."
        exit 1
    fi
    uvx \\
      -p 3.11 \\
      -w pytest==8.4.1 \\
      -w pytest-json-ctrf==0.3.5 \\
      pytest --ctrf /logs/verifier/ctrf.json /tests/test_outputs.py -rA
    if [ $? -eq 0 ]; then
      echo 1 > /logs/verifier/reward.txt
    else
      echo 0 > /logs/verifier/reward.txt
    fi
    """)
TEST_OUTPUTS = textwrap.dedent("""\
    from pathlib import Path

    def test_out_is_done():
        assert Path("/app/out.txt").read_text().strip() == "done"
    """)


def test_a_real_failing_pytest_run_is_a_0_and_a_passing_one_a_1(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site.toml"
    site.write_text('[network]\nca_bundle = "/etc/ssl/certs/ca-certificates.crt"\n')
    monkeypatch.setenv("AGENTINDEX_SITE", str(site))
    task = write_task(tmp_path / "tasks", "tb2-shaped", test=TB2_SHAPED)
    (task / "tests" / "test_outputs.py").write_text(TEST_OUTPUTS)
    summary = run(benchmark(tmp_path, tmp_path / "tasks"), ["oracle", "nop"], tmp_path / "jobs",
                  verifier_tools=True)
    rows = {r["agent"]: r for r in trial_rows(summary.job_dir)}
    assert (rows["oracle"]["reward"], rows["oracle"]["error_class"]) == (1.0, None)
    assert (rows["nop"]["reward"], rows["nop"]["error_class"]) == (0.0, None)
    ctrf = json.loads((summary.job_dir / "trials" / rows["nop"]["trial_id"] / "verifier" /
                       "ctrf.json").read_text())
    assert ctrf["results"]["summary"]["failed"] == 1
    assert ctrf["results"]["summary"]["passed"] == 0
