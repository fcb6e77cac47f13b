"""Internet policy: whether a phase of a task may reach the internet. The task's own answer
(a phase's ``network_mode``, else ``allow_internet`` / ``[environment] network_mode``) is
``TaskConfig.internet``, beside the fields it reads; a run may override it for every task."""

from __future__ import annotations

from typing import Literal

from agentindex.tasks.model import Task


def internet_allowed(task: Task, phase: Literal["agent", "verifier"] = "agent",
                     override: bool | None = None) -> bool | None:
    """``override`` when the run sets one, else what the task says for ``phase``; None when
    neither says."""
    return override if override is not None else task.config.internet(phase)
