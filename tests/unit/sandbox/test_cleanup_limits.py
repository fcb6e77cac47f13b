"""Owner tags of sandbox resources, limits from task.toml, network policy from task.toml."""

from __future__ import annotations

import subprocess
from pathlib import Path

from agentindex.sandbox import Limits
from agentindex.sandbox.base_image import host_mirror
from agentindex.sandbox.cleanup import owner_alive, owner_id, owner_of, resource_name, stale
from agentindex.sandbox.internet import internet_allowed
from agentindex.sandbox.limits import DEFAULT_PIDS, Cgroup, limits_for
from agentindex.tasks.loader import load_task
from agentindex.tasks.model import Task
from tests.conftest import write_task


def test_own_resources_are_not_stale() -> None:
    name = resource_name()
    assert owner_of(name) == owner_id() and not stale(name)
    assert resource_name() != name


def test_resources_of_a_dead_runner_are_stale() -> None:
    proc = subprocess.Popen(["true"])
    proc.wait()
    assert stale(f"agentindex-{proc.pid}.123-abcd")
    assert owner_alive("not-a-tag")  # malformed: not ours to judge, never removed
    assert not stale("agentindex-garbage") and not stale("other-1.2-ab")


def test_limits_come_from_both_schemas(tmp_path: Path) -> None:
    old = write_task(tmp_path, "old",
                     toml='version = "1.0"\n[environment]\ncpus = 2\nmemory = "1G"\n')
    new = write_task(tmp_path, "new",
                     toml='schema_version = "1.1"\n[environment]\nmemory_mb = 300\n')
    assert limits_for(load_task(old)) == Limits(cpus=2, memory_mb=1024, pids=DEFAULT_PIDS)
    assert limits_for(load_task(new)) == Limits(cpus=None, memory_mb=300, pids=DEFAULT_PIDS)


def test_internet_policy_from_allow_internet_or_network_mode(tmp_path: Path) -> None:
    def task(env: str) -> Task:
        return load_task(write_task(tmp_path, env.replace(" ", "").replace('"', "") or "none",
                                    toml=f'schema_version = "1.1"\n[environment]\n{env}\n'))

    assert internet_allowed(task("allow_internet = false")) is False
    allowed = task("allow_internet = true")
    assert internet_allowed(allowed) is True
    assert internet_allowed(allowed, override=False) is False  # the run's --no-internet wins
    assert internet_allowed(task('network_mode = "none"')) is False
    assert internet_allowed(task('network_mode = "bridge"')) is True
    assert internet_allowed(task("")) is None


def test_cgroup_wrapper_enters_every_controller_before_exec() -> None:
    group = Cgroup([Path("/sys/fs/cgroup/memory/x"), Path("/sys/fs/cgroup/pids/x")])
    argv = group.wrap(["bwrap", "--", "true"])
    assert argv[:2] == ["/bin/sh", "-c"] and argv[3:] == [
        "sh", "/sys/fs/cgroup/memory/x", "/sys/fs/cgroup/pids/x", "--", "bwrap", "--", "true"]


def test_wrapper_runs_the_command_with_its_arguments(tmp_path: Path) -> None:
    d = tmp_path / "cg"
    d.mkdir()
    out = subprocess.run(Cgroup([d]).wrap(["echo", "a b", "--", "c"]), capture_output=True,
                         text=True, check=True)
    assert out.stdout == "a b -- c\n"
    assert (d / "cgroup.procs").read_text().strip().isdigit()


def test_host_mirror_reads_one_line_and_deb822_sources(tmp_path: Path) -> None:
    one = tmp_path / "sources.list"
    one.write_text("# c\ndeb [arch=amd64] http://mirror.example/debian bookworm main\n")
    d = tmp_path / "d"
    d.mkdir()
    (d / "debian.sources").write_text("Types: deb\nURIs: http://other.example/debian/\n")
    assert host_mirror((one, d)) == "http://mirror.example/debian"
    assert host_mirror((tmp_path / "missing", d)) == "http://other.example/debian"
