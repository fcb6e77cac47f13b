"""The bwrap sandbox as an agent sees it: what is there, what is not, what is writable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentindex.agents.base import AgentContext, AgentOutcome
from agentindex.agents.install import DONE, Installed, ensure_installed
from agentindex.errors import PreflightError
from tests.conftest import TaskFactory
from tests.integration.helpers import run, trial_rows

pytestmark = pytest.mark.integration

PROBE = r"""
out=/logs/agent/probe.json
exists() { [ -e "$1" ] && echo true || echo false; }
writable() { touch "$1/.w" 2>/dev/null && rm -f "$1/.w" && echo true || echo false; }
echo secret > /tmp/mine
{
  echo "{"
  echo "\"tests\": $(exists /tests), \"solution\": $(exists /solution),"
  echo "\"app\": $(exists /app/given.txt), \"app_w\": $(writable /app),"
  echo "\"logs_w\": $(writable /logs/agent), \"verifier_w\": $(writable /logs/verifier),"
  echo "\"usr_w\": $(writable /usr), \"etc_w\": $(writable /etc),"
  echo "\"host_root\": $(exists /root/.cache), \"host_work\": $(exists /work),"
  echo "\"installs\": \"$(ls /opt/agentindex/agents 2>/dev/null | tr '\n' ' ')\","
  echo "\"pid\": $$, \"nprocs\": $(ls -d /proc/[0-9]* | wc -l),"
  echo "\"home\": \"$HOME\", \"home_w\": $(writable "$HOME"), \"cwd\": \"$(pwd)\","
  echo "\"env_from_dockerfile\": \"$GREETING\""
  echo "}"
} > "$out"
"""


class ProbeAgent:
    """Runs ``script`` in the sandbox; installs nothing."""

    name, version, uses_model = "probe", None, False
    script = PROBE

    async def install(self, cache: Path) -> Installed | None:
        return None

    async def run(self, ctx: AgentContext) -> AgentOutcome:
        result = await ctx.sandbox.exec(["bash", "-c", self.script], env={},
                                        timeout=ctx.timeout_sec,
                                        stdout=ctx.logs / "stdout.txt",
                                        stderr=ctx.logs / "stderr.txt")
        return AgentOutcome(result)


def test_agent_sees_only_its_layout(make_task: TaskFactory, register_agent, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    register_agent("probe", ProbeAgent)
    # The verifier records what it sees too: /tests is there, the agent's /tmp is private.
    test = ("#!/bin/bash\n[ -f /tests/test.sh ] && t=1 || t=0\n"
            "[ -e /tmp/mine ] && m=1 || m=0\n"
            "printf '{\"reward\": %s, \"saw_agent_tmp\": %s}' $t $m > /logs/verifier/reward.json\n")
    make_task("layout", test=test, files={"given.txt": "hi"},
              dockerfile="FROM localhost/debian:bookworm\nWORKDIR /app\nENV GREETING=hello\n"
                         "COPY given.txt /app/\n")
    summary = run(tmp_path / "tasks", ["probe"], tmp_path / "jobs")
    [row] = trial_rows(summary.job_dir)
    probe = json.loads(next((summary.job_dir / "trials").glob("*/agent/probe.json")).read_text())
    assert probe == {
        "tests": False, "solution": False, "app": True, "app_w": True, "logs_w": True,
        "verifier_w": True, "usr_w": False, "etc_w": False, "host_root": False,
        "host_work": False, "installs": "", "pid": probe["pid"], "nprocs": probe["nprocs"],
        "home": "/home/agent", "home_w": True, "cwd": "/app", "env_from_dockerfile": "hello"}
    assert probe["pid"] < 10 and probe["nprocs"] < 10  # its own PID namespace
    assert row["reward"] == 1.0  # /tests present for the verifier
    assert row["rewards"]["saw_agent_tmp"] == 1.0  # one private /tmp for the whole trial


class ToolPackage:
    """An install of one script, made by a shell command (no registry)."""

    def commands(self, prefix: Path, version: str) -> list[list[str]]:
        return [["sh", "-c", f'mkdir -p "$1/bin" && echo "echo tool {version}" > "$1/bin/tool"',
                 "sh", str(prefix)]]

    def executable(self, root: str) -> list[str]:
        return [f"{root}/bin/tool"]


class InstallingAgent(ProbeAgent):
    name = "installing"

    script = ("ls /opt/agentindex/agents > /logs/agent/installs.txt; "
              "sh /opt/agentindex/agents/installing@1.0/bin/tool > /logs/agent/tool.txt")

    async def install(self, cache: Path) -> Installed | None:
        return await ensure_installed(cache, self.name, "1.0", ToolPackage())


def test_an_agent_sees_its_own_install_and_no_other(make_task: TaskFactory, register_agent,  # type: ignore[no-untyped-def]
                                                     tmp_path: Path) -> None:
    cache = tmp_path / "agent-cache"
    other = cache / "other-harness@2.0"  # another harness's install, in the same cache
    other.mkdir(parents=True)
    (other / DONE).write_text("other\n")
    register_agent("installing", InstallingAgent)
    make_task("t")
    summary = run(tmp_path / "tasks", ["installing"], tmp_path / "jobs", agent_cache=cache)
    [row] = trial_rows(summary.job_dir)
    assert row["error_class"] is None, row["error_message"]
    [trial] = (summary.job_dir / "trials").iterdir()
    assert (trial / "agent" / "installs.txt").read_text().split() == ["installing@1.0"]
    assert (trial / "agent" / "tool.txt").read_text() == "tool 1.0\n"


class UnreturnedInstallAgent(InstallingAgent):
    """Installs into the cache but returns None: a plug-in written against ``install() -> None``
    (before an agent's sandbox mounted only the install it returns)."""

    name = "unreturned"
    script = "sh /opt/agentindex/agents/unreturned@1.0/bin/tool"

    async def install(self, cache: Path) -> Installed | None:
        await ensure_installed(cache, self.name, "1.0", ToolPackage())
        return None


def test_an_install_not_returned_is_a_config_error(make_task: TaskFactory, register_agent,  # type: ignore[no-untyped-def]
                                                   tmp_path: Path) -> None:
    register_agent("unreturned", UnreturnedInstallAgent)
    make_task("t")
    cache = tmp_path / "agent-cache"
    summary = run(tmp_path / "tasks", ["unreturned"], tmp_path / "jobs", agent_cache=cache)
    [row] = trial_rows(summary.job_dir)
    # not a task the agent failed (its command would not have been found): the config's error,
    # run again once the plug-in is fixed
    assert row["error_class"] == "config" and row["reward"] is None
    assert row["error_message"] == (
        f"agent unreturned: install(): returned None, but {cache / 'unreturned@1.0'} is its "
        "install: return the Installed that ensure_installed() gives, so the trial's sandbox "
        "mounts it (nothing else is mounted)")


def test_oracle_sees_solution_but_not_tests(make_task: TaskFactory, tmp_path: Path) -> None:
    make_task("o", solve="[ -d /solution ] && [ ! -e /tests ] && echo done > /app/out.txt")
    summary = run(tmp_path / "tasks", ["oracle", "nop"], tmp_path / "jobs")
    rewards = {r["agent"]: r["reward"] for r in trial_rows(summary.job_dir)}
    assert rewards == {"oracle": 1.0, "nop": 0.0}


def test_dockerfile_with_run_is_refused_with_a_clear_error(make_task: TaskFactory,
                                                          tmp_path: Path) -> None:
    make_task("needs-build", dockerfile="FROM debian\nWORKDIR /app\nRUN make -C /src install\n")
    with pytest.raises(PreflightError) as err:  # before any trial: the job is not even made
        run(tmp_path / "tasks", ["oracle"], tmp_path / "jobs")
    [problem] = err.value.problems
    assert problem.startswith("task needs-build: ")
    assert "Dockerfile:3: RUN is not supported by bwrap" in problem
    assert "needs the container backend" in problem
    assert not (tmp_path / "jobs").exists()


@pytest.mark.parametrize(("dockerfile", "message"), [
    ("FROM debian\nWORKDIR /app\nRUN apt-get update && apt-get install -y no-such-pkg-4242\n",
     "Dockerfile:3: apt-get install no-such-pkg-4242: not installed on this host"),
    ("FROM debian\nCOPY x /x\n", "no WORKDIR"),
])
def test_what_bwrap_cannot_honour_is_refused(make_task: TaskFactory, tmp_path: Path,
                                             dockerfile: str, message: str) -> None:
    make_task("t", dockerfile=dockerfile)
    with pytest.raises(PreflightError) as err:
        run(tmp_path / "tasks", ["oracle"], tmp_path / "jobs")
    [problem] = err.value.problems
    assert message in problem


def test_apt_run_of_host_packages_is_honoured(make_task: TaskFactory, tmp_path: Path) -> None:
    make_task("t", dockerfile="FROM debian\nRUN apt-get update && apt-get install -y bash git\n"
                              "WORKDIR /app\n")
    summary = run(tmp_path / "tasks", ["oracle"], tmp_path / "jobs")
    [row] = trial_rows(summary.job_dir)
    assert (row["error_class"], row["reward"]) == (None, 1.0)


class PlantAgent(ProbeAgent):
    """Writes a perfect reward where the verifier's goes, and solves nothing."""

    name = "plant"
    script = "echo 1 > /logs/verifier/reward.txt; echo '{\"reward\": 1}' > /logs/verifier/.r"


def test_a_planted_reward_is_discarded(make_task: TaskFactory, register_agent,  # type: ignore[no-untyped-def]
                                       tmp_path: Path) -> None:
    register_agent("plant", PlantAgent)
    make_task("t", test="#!/bin/bash\necho 'crashed before writing a reward'\n")
    summary = run(tmp_path / "tasks", ["plant"], tmp_path / "jobs")
    [row] = trial_rows(summary.job_dir)
    assert (row["reward"], row["error_class"]) == (None, "verifier")
    [trial] = (summary.job_dir / "trials").iterdir()
    stderr = (trial / "verifier" / "test-stderr.txt").read_text().splitlines()
    assert sorted(line for line in stderr if line.startswith("agentindex:")) == [
        "agentindex: removed before verification: /logs/verifier/.r",
        "agentindex: removed before verification: /logs/verifier/reward.txt"]


@pytest.mark.parametrize(("internet", "override", "sees_host_loopback"), [
    (True, None, True), (True, False, False), (False, None, False), (False, True, True)])
def test_network_follows_the_task_unless_the_run_overrides_it(
        make_task: TaskFactory, tmp_path: Path, internet: bool, override: bool | None,
        sees_host_loopback: bool) -> None:
    import socket

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    try:
        solve = (f"python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}), "
                 "timeout=2)\" && echo done > /app/out.txt")
        toml = f'schema_version = "1.1"\n[environment]\nallow_internet = {str(internet).lower()}\n'
        make_task("net", solve=solve, toml=toml)
        summary = run(tmp_path / "tasks", ["oracle"], tmp_path / "jobs", internet=override)
    finally:
        server.close()
    [row] = trial_rows(summary.job_dir)
    assert row["reward"] == (1.0 if sees_host_loopback else 0.0)
