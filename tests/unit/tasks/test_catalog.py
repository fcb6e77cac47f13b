"""Benchmarks and index definitions as data, and what ``-d`` resolves to."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agentindex.errors import ConfigError
from agentindex.tasks.catalog import data_dir, resolve_datasets
from agentindex.tasks.model import TaskKind
from agentindex.tasks.subset import read_manifest
from tests.conftest import write_task


def test_demo_index_has_three_benchmarks_of_four_tasks_each() -> None:
    sel = resolve_datasets(["demo"], environ={})
    assert sel.index is not None and sel.index.ref == "demo@1"
    assert [b.ref for b in sel.benchmarks] == ["demo-terminal@1", "demo-patch@1", "demo-qna@1"]
    for bench, kind in zip(sel.benchmarks, TaskKind, strict=True):
        assert len(bench.tasks) >= 4
        assert {t.kind for t in bench.tasks} == {kind}
        assert all((t.solution_dir / "solve.sh").is_file() for t in bench.tasks)


def test_a_benchmark_alone_has_no_index() -> None:
    sel = resolve_datasets(["demo-qna"], environ={})
    assert sel.index is None
    assert [b.ref for b in sel.benchmarks] == ["demo-qna@1"]
    assert resolve_datasets(["demo-qna@1"], environ={}).benchmarks[0].ref == "demo-qna@1"


def test_coding_agent_index_needs_task_locations(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as e:
        resolve_datasets(["coding-agent-index@1"], environ={"XDG_CACHE_HOME": str(tmp_path)})
    assert ("terminal-bench@2.0.toml: source: terminal-bench@2.0 is not pulled: run `agentindex "
            "datasets pull terminal-bench@2.0`, or set AGENTINDEX_TB2_TASKS to a local copy"
            ) in str(e.value)


def test_an_imported_benchmark_says_how_to_make_its_tasks(tmp_path: Path) -> None:
    """SWE-Bench-Pro-Hard's source is the raw release: pulling it is not enough, the error says
    the import that makes the tasks and the variable that then points at them."""
    with pytest.raises(ConfigError) as e:
        resolve_datasets(["swe-bench-pro-hard@1"], environ={"XDG_CACHE_HOME": str(tmp_path)})
    assert e.value.field == "tasks"
    for step in ("agentindex datasets pull swe-bench-pro-hard@1",
                 "agentindex datasets import swe-bench-pro COPY DIR --ids",
                 "AGENTINDEX_SWEPRO_HARD_TASKS=DIR"):
        assert step in e.value.problem


def test_coding_agent_index_with_user_tasks(tmp_path: Path) -> None:
    for name in ("regex-log", "qemu-startup", "install-windows-3.11"):
        write_task(tmp_path / "tb2", name)
    hard = read_manifest(data_dir() / "benchmarks" / "swe-bench-pro-hard@1.manifest.json").ids
    for iid in (*hard, "instance_not__in-the-subset"):
        write_task(tmp_path / "pro", iid)
    write_task(tmp_path / "atlas", "q-1")
    env = {"AGENTINDEX_TB2_TASKS": str(tmp_path / "tb2"),
           "AGENTINDEX_SWEPRO_HARD_TASKS": str(tmp_path / "pro"),
           "AGENTINDEX_SWE_ATLAS_QNA_TASKS": str(tmp_path / "atlas")}
    sel = resolve_datasets(["coding-agent-index@1"], environ=env)
    assert sel.index is not None and sel.index.attempts == 3
    tb2 = sel.benchmarks[0]
    assert [t.name for t in tb2.tasks] == ["regex-log"]  # the excluded two are gone
    assert [c.weight for c in sel.index.components] == [1.0, 1.0, 1.0]
    assert sel.benchmarks[1].tasks[0].kind is TaskKind.PATCH  # kind from the benchmark
    assert [t.name for t in sel.benchmarks[1].tasks] == list(hard)  # the manifest's 150
    pro = sel.benchmarks[1].definition
    assert pro.label == "SWE-Bench-Pro-Hard (agentindex rule)" and pro.seal_history is True
    assert pro.source is not None and pro.source.rev == "ca10a60a5fcae51e6948ffe1485d4153d421e6c5"
    assert any("matches no task" in w for w in sel.warnings)
    shutil.rmtree(tmp_path / "pro" / hard[7])
    with pytest.raises(ConfigError, match=r"swe-bench-pro-hard@1\.toml: manifest: 1 of the 150 "
                                          rf"instances of .* have no task, e.g. {hard[7]}"):
        resolve_datasets(["coding-agent-index@1"], environ=env)


def test_a_path_is_an_adhoc_benchmark(tmp_path: Path) -> None:
    write_task(tmp_path / "mine", "a")
    sel = resolve_datasets([str(tmp_path / "mine")], environ={})
    assert sel.index is None
    assert sel.benchmarks[0].ref == "mine@local"


def test_unknown_name_lists_what_is_known() -> None:
    with pytest.raises(ConfigError) as e:
        resolve_datasets(["no-such-thing"], environ={})
    assert "not an index, a benchmark or a path" in str(e.value)
    assert "demo@1" in str(e.value)


def test_benchmark_definition_by_path_rejects_unknown_keys(tmp_path: Path) -> None:
    write_task(tmp_path / "tasks", "a")
    (tmp_path / "b.toml").write_text('name = "b"\nversion = "1"\ntasks = "tasks"\ncolour = 1\n')
    with pytest.raises(ConfigError) as e:
        resolve_datasets([str(tmp_path / "b.toml")], environ={})
    assert e.value.field == "colour"
