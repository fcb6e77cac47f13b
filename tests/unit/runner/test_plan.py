"""The trials a job plans: a sealed-history trial is not the unsealed one."""

from __future__ import annotations

from pathlib import Path

from agentindex.runner.job import JobSpec, plan_trials
from agentindex.runner.variants import expand_variants
from agentindex.sandbox import get_backend
from agentindex.tasks.catalog import resolve_datasets
from agentindex.tasks.model import TaskKind


def _plans(tmp_path: Path, *, seal: bool) -> dict[str, tuple[str, bool]]:
    spec = JobSpec(name="j", jobs_dir=tmp_path, selection=resolve_datasets(["demo"], environ={}),
                   variants=expand_variants(["nop"], []), attempts=1, concurrency=1,
                   backend=get_backend("bwrap"), seal_history=seal)
    return {p.task.name: (p.trial_id, p.seal_history) for p in plan_trials(spec)}


def test_sealing_history_changes_the_ids_of_patch_trials_only(tmp_path: Path) -> None:
    plain, sealed = _plans(tmp_path, seal=False), _plans(tmp_path, seal=True)
    kinds = {t.name: t.kind for b in resolve_datasets(["demo"], environ={}).benchmarks
             for t in b.tasks}
    assert plain.keys() == sealed.keys() and TaskKind.PATCH in kinds.values()
    for name, kind in kinds.items():
        assert sealed[name][1] is True and plain[name][1] is False
        # a re-run that turns --seal-history on runs the patch trials again, and only those
        assert (sealed[name][0] != plain[name][0]) is (kind is TaskKind.PATCH), name
