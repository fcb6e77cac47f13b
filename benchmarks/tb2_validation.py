"""Terminal-Bench 2.0's environment validity in the container backend, over a real copy of its
89 tasks (never committed; its path is the argument): runs ``agentindex validate`` (oracle and
nop on every task, resumable: run it again to continue) and prints the manifest as the markdown
table in docs/BENCHMARKS.md: per task its class and reason, the image it ran (stand-in or not),
the task's wall time (its oracle and nop trials) and the oracle's time per phase (build = sandbox
start including the image build, agent, verify).

    python benchmarks/tb2_validation.py TB2_DIR [--jobs-dir DIR] [-n 2] [--report-only]
        [--rerun-errors CLASS]

``--report-only`` prints what has run so far (a partial table) without running anything;
``--rerun-errors verifier`` runs again the trials that ended in that error class (e.g. after the
environment was fixed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("tasks", type=Path, help="a copy of the TB2 task directories")
    p.add_argument("--jobs-dir", type=Path, default=Path("jobs"))
    p.add_argument("-n", "--concurrency", type=int, default=2)
    p.add_argument("--report-only", action="store_true")
    p.add_argument("--rerun-errors", action="append", default=[])
    a = p.parse_args()
    env = {**os.environ, "AGENTINDEX_TB2_TASKS": str(a.tasks.resolve())}
    manifest = a.jobs_dir / "tb2-validation" / "validity.json"
    argv = [sys.executable, "-m", "agentindex.cli", "validate", "-d", "terminal-bench@2.0",
            "-e", "container", "--include-excluded", "--clamp-resources", "-n",
            str(a.concurrency), "-o", str(a.jobs_dir), "--job", "tb2-validation",
            "--out", str(manifest)] + (["--no-run"] if a.report_only else [])
    argv += [arg for cls in a.rerun_errors for arg in ("--rerun-errors", cls)]
    # validate's progress (a line per finished trial) goes to stderr: a 2-hour run shows how
    # far it is; stdout is the table alone
    subprocess.run(argv, env=env, check=True, stdout=sys.stderr)
    print(markdown(json.loads(manifest.read_text())["benchmarks"][0]))


def _s(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def short(reason: str) -> str:
    """One table cell: without the task's own path, its start and its end (the cause)."""
    reason = re.sub(r"/\S+/([\w.-]+): no image: ", "no image: ", reason)
    reason = reason.replace("|", "\\|").replace("\n", " ")
    return reason if len(reason) <= 260 else f"{reason[:110]} … {reason[-140:]}"


def markdown(m: dict[str, Any]) -> str:
    tasks = m["tasks"]
    counts: dict[str, int] = {}
    for t in tasks.values():
        counts[t["validity"]] = counts.get(t["validity"], 0) + 1
    ran = [t for t in tasks.values() if t["validity"] != "not_run"]
    lines = [f"`{m['benchmark']}` on `{m['backend']}`, {m['date']}: "
             + ", ".join(f"{k} **{v}**" for k, v in sorted(counts.items()))
             + f"; wall time {_s(m['wall_s'])} s for {len(ran)} of {len(tasks)} tasks.", ""]
    for phase in ("env_s", "agent_s", "verify_s"):
        values = [t[a][phase] for t in ran for a in ("oracle", "nop")
                  if t.get(a) and t[a][phase] is not None]
        if values:
            lines.append(f"- {phase}: mean {statistics.mean(values):.1f} s, max "
                         f"{max(values):.0f} s over {len(values)} trials")
    oracle_ones = sum(1 for t in ran if t["oracle"] and t["oracle"]["reward"] == 1.0)
    nop_zeros = sum(1 for t in ran if t["nop"] and t["nop"]["reward"] == 0.0)
    lines += [f"- oracle scored 1 on {oracle_ones} tasks; nop scored 0 on {nop_zeros}", "",
              "| task | class | reason | image | wall s | build s | oracle s | verify s |",
              "|---|---|---|---|---|---|---|---|"]
    for name, t in sorted(tasks.items()):
        o = t.get("oracle") or {}
        reason = short(t["reason"])
        walls = [t[a]["wall_s"] for a in ("oracle", "nop") if t.get(a) and t[a].get("wall_s")]
        lines.append(f"| {name} | {t['validity']} | {reason} | {image(t)} | "
                     f"{_s(sum(walls) if walls else None)} | {_s(o.get('env_s'))} | "
                     f"{_s(o.get('agent_s'))} | {_s(o.get('verify_s'))} |")
    return "\n".join(lines)


def image(t: dict[str, Any]) -> str:
    """What the task ran on: a stand-in for its base, or the image itself (none: not built)."""
    if t.get("stand_in_for"):
        return f"stand-in for `{t['stand_in_for']}`"
    return f"`{t['image']}`" if t.get("image") else ""


if __name__ == "__main__":
    main()
