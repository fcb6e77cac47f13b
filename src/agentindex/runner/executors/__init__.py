"""Executors, registered in one place: where a job's trials run."""

from __future__ import annotations

from collections.abc import Callable

from agentindex.errors import ConfigError
from agentindex.runner.executors.base import Executor, JobContext, TrialLost, TrialRunner
from agentindex.runner.executors.local import LocalExecutor
from agentindex.runner.executors.ray_executor import RayExecutor

EXECUTORS: dict[str, Callable[..., Executor]] = {
    "local": LocalExecutor,
    "ray": RayExecutor,
}


def get_executor(name: str, address: str | None = None) -> Executor:
    """``address`` is the Ray cluster's (only the ray executor takes one)."""
    if name not in EXECUTORS:
        raise ConfigError("--executor", None, f"unknown executor {name!r} "
                          f"(known: {', '.join(EXECUTORS)})")
    if address is not None and name != "ray":
        raise ConfigError("--ray-address", None, "only the ray executor joins a cluster "
                          "(add --executor ray)")
    return EXECUTORS[name](**({"address": address} if address is not None else {}))


__all__ = ["EXECUTORS", "Executor", "JobContext", "LocalExecutor", "RayExecutor", "TrialLost",
           "TrialRunner", "get_executor"]
