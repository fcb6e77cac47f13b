"""An index definition's ``valid_only`` manifest leaves out the tasks it does not call valid,
like ``run --valid-only`` (which overrides it), and the job says why each was left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentindex.commands.run import build_spec
from agentindex.commands.validate import rerun_classes
from agentindex.config import JobConfig
from agentindex.errors import ConfigError
from agentindex.runner.validity import build_manifest, write_manifest
from agentindex.tasks.catalog import resolve_datasets
from tests.conftest import write_task


def row(digest: str, agent: str, reward: float | None, error: str | None = None) -> dict:
    return {"task_digest": digest, "agent": agent, "reward": reward, "error_class": error,
            "error_message": "boom" if error else None, "env_s": 1.0, "agent_s": 1.0,
            "verify_s": 1.0, "environment": {}}


def index_with_manifest(tmp_path: Path, valid: set[str], manifest_name: str) -> Path:
    """An index of one benchmark of three tasks, and a manifest calling ``valid`` valid."""
    for name in ("a", "b", "c"):
        write_task(tmp_path / "tasks", name, solve=f"echo done > /app/out.txt  # {name}")
    (tmp_path / "bench@1.toml").write_text(
        f'name = "bench"\nversion = "1"\ntasks = "{tmp_path / "tasks"}"\n')
    [bench] = resolve_datasets([str(tmp_path / "bench@1.toml")]).benchmarks
    rows = [r for t in bench.tasks for r in (
        row(t.digest, "oracle", 1.0 if t.name in valid else 0.0), row(t.digest, "nop", 0.0))]
    manifest = build_manifest("bench@1", "bwrap", [(t.name, t.digest) for t in bench.tasks],
                              rows, 1.0)
    (tmp_path / "validity").mkdir()
    write_manifest(tmp_path / "validity" / manifest_name, [manifest])
    index = tmp_path / "idx@1.toml"
    index.write_text('name = "idx"\nversion = "1"\nvalid_only = "${MANIFESTS}/'
                     f'{manifest_name}"\n[[components]]\nbenchmark = "bench@1.toml"\n')
    return index


def test_the_index_setting_leaves_out_what_its_manifest_calls_invalid(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MANIFESTS", "validity")  # relative to the index file
    index = index_with_manifest(tmp_path, {"a", "c"}, "v.json")
    spec = build_spec(JobConfig(datasets=[str(index)], agents=["oracle"]))
    [bench] = spec.selection.benchmarks
    assert [t.name for t in bench.tasks] == ["a", "c"]
    assert spec.selection.index is not None  # still the index: its score is computed
    assert spec.excluded == {"bench@1": {"b": "oracle_fails: oracle scored 0.0"}}
    assert spec.config["resolved"]["valid_only"] == str(tmp_path / "validity" / "v.json")


def test_run_valid_only_overrides_the_index_setting(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MANIFESTS", "validity")
    index = index_with_manifest(tmp_path, {"a"}, "v.json")
    other = tmp_path / "all-valid"
    other.mkdir()
    index_with_manifest(other, {"a", "b", "c"}, "w.json")  # same tasks: same digests
    spec = build_spec(JobConfig(datasets=[str(index)], agents=["oracle"],
                                valid_only=other / "validity" / "w.json"))
    assert [t.name for t in spec.selection.benchmarks[0].tasks] == ["a", "b", "c"]
    assert spec.excluded == {}


def test_a_missing_index_manifest_is_a_config_error_naming_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MANIFESTS", "elsewhere")
    index = index_with_manifest(tmp_path, {"a"}, "v.json")
    with pytest.raises(ConfigError) as e:
        build_spec(JobConfig(datasets=[str(index)], agents=["oracle"]))
    assert e.value.file == str(tmp_path / "elsewhere" / "v.json")


@pytest.mark.parametrize(("given", "classes"), [
    (["verifier"], {"verifier"}),
    (["verifier,sandbox"], {"verifier", "sandbox"}),
    (["verifier", "install"], {"verifier", "install"}),
    (["all"], {"sandbox", "install", "internal", "verifier", "upstream", "config"}),
    ([], set()),
])
def test_rerun_errors_takes_environment_error_classes(given: list[str],
                                                      classes: set[str]) -> None:
    assert rerun_classes(given) == classes


def test_rerun_errors_refuses_a_task_own_failure() -> None:
    with pytest.raises(ConfigError) as e:
        rerun_classes(["agent_timeout"])
    assert "not an environment error class: agent_timeout" in e.value.problem


def test_the_manifest_keeps_each_trial_wall_time() -> None:
    oracle = {**row("d", "oracle", 1.0), "started_at": 100.0, "finished_at": 142.5}
    nop = row("d", "nop", 0.0)  # a row without times (older stores): no wall time, no error
    [(_name, entry)] = build_manifest("b@1", "container", [("t", "d")], [oracle, nop],
                                     42.5).tasks.items()
    assert entry.oracle is not None and entry.oracle.wall_s == 42.5
    assert entry.nop is not None and entry.nop.wall_s is None
