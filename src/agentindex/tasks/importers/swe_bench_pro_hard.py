"""The SWE-Bench-Pro-Hard stand-in: Artificial Analysis has not published its 150 ids, so ours
are the public instances solved by the fewest of the release's published reference runs."""

from __future__ import annotations

import json
from pathlib import Path

from agentindex.errors import ConfigError
from agentindex.tasks.importers.swe_bench_pro import public_ids
from agentindex.tasks.subset import FORMAT, SourceRef, SubsetManifest, hardest

NAME = "swe-bench-pro-hard"
LABEL = "SWE-Bench-Pro-Hard (agentindex rule)"
KEY = "agentindex/swe-bench-pro-hard@1"
COUNT = 150
GIT = "https://github.com/scaleapi/SWE-bench_Pro-os.git"
RULE = (f"The {COUNT} public instances (folders of dockerfiles/base_dockerfile/) resolved by the "
        "fewest of the published reference runs (traj/*/eval_results.json; an instance a run "
        "has no result for counts as not resolved by it); ties broken by ascending "
        "sha256(key + NUL + instance id). Not Artificial Analysis's unpublished list.")


def read_results(src: Path) -> dict[str, dict[str, bool]]:
    """run name -> instance id -> resolved, from ``traj/<run>/eval_results.json``."""
    files = sorted((src / "traj").glob("*/eval_results.json"))
    if not files:
        raise ConfigError(src / "traj", None, "no */eval_results.json: no reference runs")
    runs: dict[str, dict[str, bool]] = {}
    for f in files:
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise ConfigError(f, None, f"not JSON: {e}") from None
        if not isinstance(data, dict) or not all(isinstance(v, bool) for v in data.values()):
            raise ConfigError(f, None, "expected a map of instance id -> true/false")
        runs[f.parent.name] = data
    return runs


def hard_manifest(src: Path, rev: str, count: int = COUNT, key: str = KEY) -> SubsetManifest:
    population = public_ids(src)
    results = read_results(src)
    entries = hardest(population, results, count, key)
    return SubsetManifest(format=FORMAT, name=NAME, label=LABEL, rule=RULE, key=key,
                          source=SourceRef(git=GIT, rev=rev),
                          runs=[f"traj/{r}/eval_results.json" for r in sorted(results)],
                          population=len(population), instances=entries)
