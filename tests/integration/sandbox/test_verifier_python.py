"""The verifier's own Python where the image has none: TB2's `uvx -p X` finds it, the agent does
not see it, and without it uv finds no interpreter (a verifier error, never a 0).

The real build (CPython 3.13, minutes) is not made here: a fast stand-in is. The host's Python
3.11 is copied into a tree laid out like a build (``bin/python3.11``, ``lib/python3.11``) and
registered as the verifier Python "3.11" in a cache of its own; the image (Debian minbase) has
no Python at all. Everything else is the real path: the benchmark's ``[verifier] python``, the
per-trial mount filled when the verifier starts, ``PATH``, uv's discovery, pytest, ctrf.json.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from agentindex.commands.validate import NO_RETRIES
from agentindex.runner import verifier_python
from agentindex.runner.verifier_python import DONE, PythonSource, sandbox_prefix
from tests.conftest import write_task
from tests.integration.helpers import run, trial_rows
from tests.integration.sandbox.conftest import needs_podman

pytestmark = [pytest.mark.integration, needs_podman]

VERSION = "3.11"  # the host's (Debian 12): the stand-in for the real 3.13 build
HOST_PYTHON = f"/usr/bin/python{VERSION}"  # Debian's: libpython linked in, unlike a venv's base
FAKE = PythonSource("3.11.2", "http://invalid.example/unused.tar.xz", "0" * 64)
PREFIX = f"/opt/agentindex/verifier-python/cpython-{FAKE.version}"

# TB2's test.sh without its apt/curl lines (this image has no apt lists, and they are slow).
TEST_SH = textwrap.dedent(f"""\
    #!/bin/bash
    source $HOME/.local/bin/env
    uvx -p {VERSION} -w pytest==8.4.1 -w pytest-json-ctrf==0.3.5 \\
      pytest --ctrf /logs/verifier/ctrf.json /tests/test_outputs.py -rA
    if [ $? -eq 0 ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
    """)
TEST_OUTPUTS = textwrap.dedent(f"""\
    import sys
    from pathlib import Path

    def test_ran_on_the_provided_python():
        assert sys.base_prefix == "{PREFIX}"

    def test_the_agent_saw_no_python_and_did_its_work():
        assert Path("/app/seen.txt").read_text() == "no python{VERSION}\\n"
        assert Path("/app/out.txt").read_text().strip() == "done"
    """)
# The oracle looks for the verifier's Python while the agent runs: on PATH, and in the folder.
SOLVE = (f"{{ command -v python{VERSION} || echo no python{VERSION}; ls -A {PREFIX}; }} "
         "> /app/seen.txt 2>&1; echo done > /app/out.txt")


@pytest.fixture
def fake_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The host's Python as a built tree in a cache of this test's own; the image gets the one
    library the interpreter needs that Debian's minbase lacks (libexpat)."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("AGENTINDEX_CACHE", str(cache))
    site = tmp_path / "site.toml"  # pypi.org through this machine's CA (as test_evidence.py)
    site.write_text('[network]\nca_bundle = "/etc/ssl/certs/ca-certificates.crt"\n')
    monkeypatch.setenv("AGENTINDEX_SITE", str(site))
    monkeypatch.setitem(verifier_python.SOURCES, VERSION, FAKE)
    assert sandbox_prefix(VERSION) == PREFIX
    if not Path(HOST_PYTHON).is_file():
        pytest.skip(f"no {HOST_PYTHON} here (Debian 12's) to stand in for a build")
    tree = verifier_python.built_dir(VERSION)
    (tree / "bin").mkdir(parents=True)
    shutil.copy2(HOST_PYTHON, tree / "bin" / f"python{VERSION}")
    shutil.copytree(f"/usr/lib/python{VERSION}", tree / "lib" / f"python{VERSION}",
                    symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "test"))
    (tree / DONE).write_text("a stand-in for the test\n")
    return tree


def tb2_like(tmp_path: Path, *, python: bool) -> Path:
    tasks = tmp_path / "tasks"
    task = write_task(tasks, "no-python-in-image", test=TEST_SH, solve=SOLVE, dockerfile=(
        "FROM localhost/debian:bookworm\nCOPY libexpat.so.1 /usr/lib/x86_64-linux-gnu/\n"
        "WORKDIR /app\n"))
    shutil.copy2("/usr/lib/x86_64-linux-gnu/libexpat.so.1", task / "environment")
    (task / "tests" / "test_outputs.py").write_text(TEST_OUTPUTS)
    d = tmp_path / ("tb2-like@1.toml" if python else "tb2-like@0.toml")
    d.write_text(f'name = "tb2-like"\nversion = "{1 if python else 0}"\ntasks = "{tasks}"\n'
                 '[verifier]\nevidence = ["/logs/verifier/ctrf.json"]\n'
                 + (f'python = "{VERSION}"\n' if python else ""))
    return d


def test_uvx_finds_the_provided_python_and_the_agent_does_not(tmp_path: Path,
                                                             fake_build: Path) -> None:
    summary = run(tb2_like(tmp_path, python=True), ["oracle", "nop"], tmp_path / "jobs",
                  backend="container", concurrency=2, verifier_tools=True)
    rows = {r["agent"]: r for r in trial_rows(summary.job_dir)}
    oracle, nop = rows["oracle"], rows["nop"]
    stdout = (summary.job_dir / "trials" / oracle["trial_id"] / "verifier" /
              "test-stdout.txt").read_text()
    assert (oracle["reward"], oracle["error_class"]) == (1.0, None), stdout
    # nop: the tests ran on the provided Python and failed (ctrf.json): a real 0
    assert (nop["reward"], nop["error_class"]) == (0.0, None)
    ctrf = json.loads((summary.job_dir / "trials" / nop["trial_id"] / "verifier" /
                       "ctrf.json").read_text())
    assert ctrf["results"]["summary"] == {**ctrf["results"]["summary"], "passed": 1,
                                          "failed": 1}
    assert not list((summary.job_dir / ".scratch").glob("*-python"))  # per-trial copies gone


def test_without_it_uv_finds_no_interpreter_a_verifier_error(tmp_path: Path,
                                                             fake_build: Path) -> None:
    summary = run(tb2_like(tmp_path, python=False), ["nop"], tmp_path / "jobs",
                  backend="container", verifier_tools=True, policy=NO_RETRIES)
    [row] = trial_rows(summary.job_dir)
    assert row["error_class"] == "verifier" and row["reward"] is None
    assert "No interpreter found for Python 3.11" in row["error_message"]
