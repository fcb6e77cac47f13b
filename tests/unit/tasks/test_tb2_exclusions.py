"""The exclusion list of terminal-bench@2.0 names real tasks, and the index runs 84 of 89."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentindex.errors import ConfigError
from agentindex.tasks.catalog import benchmark_definitions, tasks_location
from tests.conftest import write_task

# The 89 task directory names of Terminal-Bench 2.0 (names only), as read from the pinned source.
NAMES = (Path(__file__).parents[2] / "fixtures" / "tb2-task-names.txt").read_text().split()


def tb2() -> tuple:
    [(definition, path)] = benchmark_definitions("terminal-bench@2.0")
    return definition, path


def test_every_excluded_name_is_a_real_task_and_84_remain() -> None:
    definition, _ = tb2()
    assert len(NAMES) == len(set(NAMES)) == 89
    assert sorted(set(definition.exclude) - set(NAMES)) == []
    assert len(set(NAMES) - set(definition.exclude)) == 84


def test_the_index_runs_84_tasks_over_tb2_shaped_fixtures(tmp_path: Path) -> None:
    from agentindex.tasks.catalog import resolve_datasets

    for name in NAMES:
        write_task(tmp_path / "tb2", name)
    sel = resolve_datasets(["terminal-bench@2.0"], environ={"AGENTINDEX_TB2_TASKS":
                                                            str(tmp_path / "tb2")})
    assert len(sel.benchmarks[0].tasks) == 84
    assert sel.warnings == ()


def test_over_a_real_copy_when_one_is_present() -> None:
    """Runs where a real copy is pulled (or AGENTINDEX_TB2_TASKS is set); skipped elsewhere."""
    definition, path = tb2()
    try:
        where = tasks_location(definition, path, os.environ)
    except ConfigError:
        pytest.skip("no copy of Terminal-Bench 2.0 here (agentindex datasets pull)")
    real = sorted(p.name for p in where.iterdir() if (p / "task.toml").is_file())
    assert real == sorted(NAMES)
    assert set(definition.exclude) <= set(real)


@pytest.mark.parametrize("index", ["coding-agent-index@1", "coding-agent-index@2"])
def test_each_index_runs_84_tasks_of_a_real_copy_when_one_is_present(
        tmp_path: Path, index: str) -> None:
    """The index path (not only the benchmark alone): its TB2 component, from the real copy,
    runs 84 tasks and its exclusions all match; the other components are one-task fixtures."""
    from agentindex.tasks.catalog import resolve_datasets
    from tests.unit.tasks.test_indexes import fixture_env

    definition, path = tb2()
    try:
        real = tasks_location(definition, path, os.environ)
    except ConfigError:
        pytest.skip("no copy of Terminal-Bench 2.0 here (agentindex datasets pull)")
    env = {**fixture_env(tmp_path), "AGENTINDEX_TB2_TASKS": str(real)}
    sel = resolve_datasets([index], environ=env)
    [bench] = [b for b in sel.benchmarks if b.ref == "terminal-bench@2.0"]
    assert len(bench.tasks) == 84
    assert not set(definition.exclude) & {t.name for t in bench.tasks}
    assert sel.warnings == ()
