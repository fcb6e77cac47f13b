"""Salvage the model calls of tries a kill interrupted, before their staging is wiped.

A try writes each metered call to its ``calls.jsonl`` as the call ends (``runner/metering.py``):
``trials/.staging/<id>/tries/<n>/calls.jsonl`` while it runs, the last try's moved up to
``<id>/calls.jsonl`` when the trial ends, and ``trials/<id>/`` once renamed (a kill between the
rename and the commit leaves it without a row). Those calls were made and billed; the trial runs
again from scratch, so they are kept in the store's ``interrupted_calls`` and reported as spend.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator
from pathlib import Path

from pydantic import ValidationError

from agentindex.results import CallRecord
from agentindex.store import Store

log = logging.getLogger(__name__)


def staged_calls(path: Path) -> Iterator[CallRecord]:
    """The call records of one staged ``calls.jsonl``; a line that is not a whole record (the
    last one, half-written when the process was killed) is skipped."""
    with path.open("rb") as f:
        lines = f.read().split(b"\n")
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield CallRecord.model_validate_json(line)
        except ValidationError:
            if no < len(lines) - 1:  # not the last line: not the kill's doing
                log.warning("%s:%d: not a call record, skipped", path, no)


def _subdirs(path: Path) -> list[Path]:
    try:
        return [d for d in path.iterdir() if d.is_dir()]
    except FileNotFoundError:
        return []


def staged_call_files(staging: Path) -> list[Path]:
    """The ``calls.jsonl`` files one trial's staging directory holds: the trial's own (its last
    try's, moved up when it ended) and each try's under ``tries/<n>/``."""
    return [f for f in [staging / "calls.jsonl", *sorted(staging.glob("tries/*/calls.jsonl"))]
            if f.is_file()]


def interrupted_call_files(trials: Path, done: Collection[str] | None) -> list[Path]:
    """Every staged ``calls.jsonl`` of an uncommitted trial under ``trials``: in ``.staging``,
    and (unless ``done`` is None) in a trial directory whose id is not in ``done`` (renamed,
    never committed)."""
    dirs = _subdirs(trials / ".staging")
    if done is not None:
        dirs += [d for d in (trials.iterdir() if trials.is_dir() else ())
                 if d.name not in done and not d.name.startswith(".") and d.is_dir()]
    return sorted(f for d in dirs for f in staged_call_files(d))


def salvage_interrupted_calls(trials: Path, store: Store,
                              done: Collection[str] | None = None) -> int:
    """Store the calls of every uncommitted try under ``trials`` (one transaction); returns how
    many were new. ``done``: the committed trial ids (None: look in ``.staging`` only). Run it
    before the staging is removed; running it twice adds nothing."""
    files = interrupted_call_files(trials, done)
    if not files:
        return 0
    added = store.add_interrupted_calls(c for f in files for c in staged_calls(f))
    if added:
        log.info("kept %d model call(s) of %d interrupted tr(ies) as spend", added, len(files))
    return added
