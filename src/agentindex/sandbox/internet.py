"""Internet policy: whether a task's sandbox may reach the internet, from its ``task.toml``."""

from __future__ import annotations

from agentindex.tasks.model import Task

# ``network_mode`` values (newer task schemas) that mean "no internet".
NO_INTERNET_MODES = frozenset({"none", "no-internet", "offline", "isolated"})


def internet_allowed(task: Task) -> bool | None:
    """The task's ``allow_internet``, else its ``network_mode``; None when it says neither."""
    env = task.config.environment
    if env.allow_internet is not None:
        return env.allow_internet
    if env.network_mode is not None:
        return env.network_mode.lower() not in NO_INTERNET_MODES
    return None
