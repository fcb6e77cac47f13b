"""Rows as frozen dataclasses: what the runner hands the store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TrialRecord:
    trial_id: str
    variant_key: str
    task_digest: str
    task_name: str
    attempt: int
    reward: float | None
    rewards: dict[str, float] | None
    error_class: str | None
    error_message: str | None
    score_as: str
    tries: int
    agent_exit_code: int | None
    agent_timed_out: bool
    started_at: float
    finished_at: float
    install_s: float | None
    env_s: float | None
    agent_s: float | None
    verify_s: float | None
    self_report: dict[str, Any] | None
    # Commands that reached beyond the base commit ({command, why}); None: no command log.
    suspected_leaks: list[dict[str, str]] | None = None


@dataclass(frozen=True)
class TryRecord:
    trial_id: str
    try_no: int
    error_class: str
    error_message: str | None
    started_at: float
    finished_at: float
