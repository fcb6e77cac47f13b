"""Verifier seconds per Terminal-Bench 2 trial, with and without the verifier's tools provided.

Runs the ``oracle`` agent on real TB2 task directories (paths as arguments; never committed) in
the container backend, ``--repeats`` trials per task and mode, one at a time, and compares
``verify_s`` (test.sh's wall time) and the outcome:

- ``without``: test.sh as shipped fetches curl and uv from the internet itself; here astral.sh
  does not answer, so uv is never installed and the verification cannot complete (TB2's
  evidence rule makes that a ``verifier`` error: no ctrf.json; without the rule it is a 0);
- ``with``: uv/uvx linked where test.sh looks, one package cache shared by all trials; the first
  trial fills the cache (``cold``), later ones reuse it (``warm``).

    .venv/bin/python benchmarks/verifier_tools.py TASK_DIR... [--repeats 3]

Needs the task images (stand-ins: ``agentindex sandbox stand-in python:3.13-slim-bookworm``).
Last line: ``verify_s without=X with_cold=Y with_warm=Z ratio_warm_vs_without=R``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
from pathlib import Path
from typing import Any

from agentindex.paths import cache_dir
from agentindex.runner.job import JobSpec, run_job
from agentindex.runner.plan import TrialOptions
from agentindex.runner.variants import expand_variants
from agentindex.sandbox import get_backend
from agentindex.store import Store
from agentindex.tasks.catalog import resolve_datasets


def definition(tasks: list[Path], where: Path) -> Path:
    """A benchmark of these tasks (one folder) with TB2's evidence rule, so a verification that
    never ran its tests shows as a verifier error, not as a silent 0."""
    (parent,) = {t.resolve().parent for t in tasks}
    path = where / "tb2-sample@1.toml"
    path.write_text(f'name = "tb2-sample"\nversion = "1"\ntasks = "{parent}"\n'
                    f"include = {json.dumps([t.name for t in tasks])}\n"
                    '[verifier]\nevidence = ["/logs/verifier/ctrf.json"]\n'
                    "reward_range = [0.0, 1.0]\n")
    return path


def trials(tasks: list[Path], jobs: Path, name: str, tools: bool, repeats: int
           ) -> list[dict[str, Any]]:
    selection = resolve_datasets([str(definition(tasks, jobs))])
    spec = JobSpec(name=name, jobs_dir=jobs, selection=selection,
                   variants=expand_variants(["oracle"], []), attempts=repeats, concurrency=1,
                   backend=get_backend("container"),
                   options=TrialOptions(verifier_tools=tools))
    asyncio.run(run_job(spec))
    store = Store.in_job(spec.job_dir)
    try:
        return sorted(store.rows("trials"), key=lambda r: r["started_at"])
    finally:
        store.close()


def show(label: str, rows: list[dict[str, Any]]) -> list[float]:
    times = [float(r["verify_s"]) for r in rows if r["verify_s"] is not None]
    for r in rows:
        print(f"{label:8} {r['task_name']:32} verify_s={r['verify_s'] or 0:7.1f} "
              f"reward={r['reward']} error={r['error_class']}")
    return times


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("tasks", type=Path, nargs="+")
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    cache = cache_dir("verifier", "uv-cache")
    with tempfile.TemporaryDirectory(prefix="verifier-tools-") as tmp:
        jobs = Path(tmp)
        without = show("without", trials(a.tasks, jobs, "without", False, a.repeats))
        with_rows = trials(a.tasks, jobs, "with", True, a.repeats)
        show("with", with_rows)
    # a task's first trial may fill the shared cache; its later ones find it filled
    cold = [float(r["verify_s"]) for r in with_rows if r["attempt"] == 1 and r["verify_s"]]
    warm = [float(r["verify_s"]) for r in with_rows if r["attempt"] > 1 and r["verify_s"]]
    mean = statistics.mean
    print(f"(uv cache: {cache}; 'cold' is cold only on a machine that has not filled it yet)")
    print(f"verify_s without={mean(without):.1f} with_cold={mean(cold):.1f} "
          f"with_warm={mean(warm) if warm else float('nan'):.1f} "
          f"ratio_warm_vs_without={(mean(warm) / mean(without)) if warm else float('nan'):.2f}")


if __name__ == "__main__":
    main()
