"""What the view reads from a job: trials with their benchmarks and outcome, one trial's calls
and its output files."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from agentindex.results import TrialResult
from agentindex.store import Store

MAX_FILE_BYTES = 200_000  # longer outputs are cut, with a note


@dataclass(frozen=True)
class TrialEntry:
    trial: TrialResult
    variant: str  # label
    benchmarks: tuple[str, ...]
    outcome: str  # passed | failed | errored | no reward


@dataclass(frozen=True)
class OutputFile:
    path: str  # relative to the trial directory
    text: str
    truncated: bool


def outcome(t: TrialResult) -> str:
    """``errored`` if the trial ended with an error class, else ``passed`` (reward ≥ 1),
    ``failed`` (a lower reward) or ``no reward``."""
    if t.error_class is not None:
        return "errored"
    if t.reward is None:
        return "no reward"
    return "passed" if t.reward >= 1.0 else "failed"


def trial_entries(store: Store) -> list[TrialEntry]:
    benches: dict[str, list[str]] = defaultdict(list)
    for task in store.job_tasks():
        benches[task.task_digest].append(task.benchmark)
    entries = [TrialEntry(t, t.variant.label, tuple(sorted(benches.get(t.task_digest, []))),
                          outcome(t))
               for t in store.trials()]
    return sorted(entries, key=lambda e: (e.variant, e.trial.task_name, e.trial.attempt))


def output_files(trial_dir: Path, part: str) -> list[OutputFile]:
    """The text files under ``trials/<id>/<part>/`` (``agent`` or ``verifier``), by path."""
    root = trial_dir / part
    if not root.is_dir() or not root.resolve().is_relative_to(trial_dir.resolve()):
        return []
    files = []
    for p in sorted(q for q in root.rglob("*") if q.is_file()):
        with p.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
        files.append(OutputFile(str(p.relative_to(trial_dir)),
                                data[:MAX_FILE_BYTES].decode("utf-8", "replace"),
                                len(data) > MAX_FILE_BYTES))
    return files
