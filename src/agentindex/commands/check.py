"""``agentindex tasks check``: every task loads, the oracle scores 1 and nop scores 0.

Each failure is one line naming the file and the problem; a broken task never stops the others.
``--no-run`` only loads: every task is read as the runner would read it and checked for what
would break a run (``tasks.wellformed``), without building or running anything.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from agentindex.errors import ConfigError, PreflightError
from agentindex.gateway import ProvidersConfig
from agentindex.runner.job import JobSpec, run_job
from agentindex.runner.preflight import Plan, preflight
from agentindex.runner.variants import Variant, expand_variants
from agentindex.sandbox import Backend, get_backend
from agentindex.store import Store
from agentindex.tasks.catalog import Benchmark, BenchmarkDef, Selection
from agentindex.tasks.loader import load_task
from agentindex.tasks.model import Task
from agentindex.tasks.wellformed import task_warnings

EXPECTED = {"oracle": 1.0, "nop": 0.0}


@dataclass(frozen=True)
class Finding:
    path: Path
    ok: bool
    detail: str


def task_dirs(paths: list[Path]) -> list[Path]:
    """A task directory, or a folder whose subfolders are tasks (even broken ones)."""
    out: list[Path] = []
    for p in paths:
        if (p / "task.toml").exists() or not p.is_dir():
            out.append(p)
        else:
            out += sorted(d for d in p.iterdir() if d.is_dir() and not d.name.startswith("."))
    return out


def _load(dirs: list[Path]) -> tuple[list[Task], list[Finding]]:
    tasks, findings = [], []
    for d in dirs:
        try:
            task = load_task(d)
        except ConfigError as e:
            findings.append(Finding(d, False, str(e)))
            continue
        if not (task.solution_dir / "solve.sh").is_file():
            findings.append(Finding(d, False, f"{task.solution_dir / 'solve.sh'}: missing: the "
                                              "oracle needs a reference solution"))
            continue
        tasks.append(task)
    return tasks, findings


def _verdicts(tasks: list[Task], store: Store) -> list[Finding]:
    variants = {v["variant_key"]: v["agent"] for v in store.rows("variants")}
    by_task: dict[str, list[str]] = {t.digest: [] for t in tasks}
    for row in store.rows("trials"):
        agent = variants[row["variant_key"]]
        problem = _problem(agent, row)
        if problem:
            by_task[row["task_digest"]].append(problem)
    findings = []
    for t in tasks:
        problems = by_task[t.digest]
        test_sh = t.tests_dir / "test.sh"
        findings.append(Finding(t.path, not problems, "; ".join(
            f"{test_sh}: {p}" if "verifier" in p else p for p in problems) or "oracle 1, nop 0"))
    return findings


def _problem(agent: str, row: dict[str, object]) -> str | None:
    if row["error_class"] in ("verifier", "verifier_timeout", "sandbox", "internal", "config"):
        return f"{agent}: {row['error_class']} error: {row['error_message']}"
    if row["reward"] != EXPECTED[agent]:
        return f"{agent} scored {row['reward']} (expected {EXPECTED[agent]:g})"
    return None


def _runnable(tasks: list[Task], variants: list[Variant], backend: Backend
              ) -> tuple[list[Task], list[Finding]]:
    """The tasks the backend can run; the others each get a finding (the job's preflight would
    otherwise stop the whole check at the first)."""
    ok, findings = [], []
    for t in tasks:
        try:
            preflight(Plan(variants, [t], backend, ProvidersConfig.defaults()))
        except PreflightError as e:
            findings.append(Finding(t.path, False, "; ".join(
                p.removeprefix(f"task {t.name}: ") for p in e.problems)))
            continue
        ok.append(t)
    return ok, findings


def _print(findings: list[Finding], console: Console) -> None:
    # One line per task, never folded: paths and messages must stay greppable.
    for f in sorted(findings, key=lambda f: str(f.path)):
        mark = "[green]ok  [/green]" if f.ok else "[red]FAIL[/red]"
        console.print(f"{mark} {f.path} {escape(f.detail)}", highlight=False, soft_wrap=True)


def load_only(paths: list[Path], console: Console) -> int:
    """Load every task and list what would break a run; exit 1 when any task fails to load."""
    tasks, findings = _load(task_dirs(paths))
    warnings = {t.path: task_warnings(t) for t in tasks}
    for t in tasks:
        findings.append(Finding(t.path, True, f"well-formed (schema {t.config.schema_id}, "
                                              f"{t.kind.value})"))
    _print(findings, console)
    for w in (w for ws in warnings.values() for w in ws):
        console.print(f"[yellow]warn[/yellow] {escape(w)}", highlight=False, soft_wrap=True)
    failed, warned = sum(not f.ok for f in findings), sum(bool(w) for w in warnings.values())
    console.print(f"{len(findings) - failed} of {len(findings)} task(s) well-formed"
                  + (f", {warned} with warnings" if warned else "")
                  + (f"; {failed} failed to load" if failed else ""), highlight=False)
    return 1 if failed else 0


def check_command(paths: list[Path], env: str, console: Console, run: bool = True) -> int:
    if not run:
        return load_only(paths, console)
    tasks, findings = _load(task_dirs(paths))
    work = Path(tempfile.mkdtemp(prefix="agentindex-check-"))
    variants, backend = expand_variants(["oracle", "nop"], []), get_backend(env)
    tasks, refused = _runnable(tasks, variants, backend)
    findings += refused
    if tasks:
        definition = BenchmarkDef(name="check", version="local", tasks=".")
        selection = Selection((Benchmark(definition, tuple(tasks), work),), None)
        spec = JobSpec(name="check", jobs_dir=work, selection=selection,
                       variants=variants, attempts=1, concurrency=4, backend=backend)
        asyncio.run(run_job(spec))
        store = Store.in_job(spec.job_dir)
        try:
            findings += _verdicts(tasks, store)
        finally:
            store.close()
    _print(findings, console)
    failed = sum(not f.ok for f in findings)
    if failed:
        console.print(f"{failed} of {len(findings)} task(s) failed; trial artifacts: "
                      f"{work / 'check' / 'trials'}", highlight=False)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    console.print(f"all {len(findings)} task(s) passed", highlight=False)
    return 0
