"""Executors, registered in one place: where a job's trials run."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from agentindex.errors import ConfigError
from agentindex.runner.executors.base import Executor, JobContext, TrialLost, TrialRunner
from agentindex.runner.executors.local import LocalExecutor

if TYPE_CHECKING:
    from agentindex.runner.executors.ray_executor import RayExecutor

# name -> "module:class", imported when chosen: the Ray executor's worker side pulls in the
# gateway server and aiohttp, which a local run that makes no model call never needs.
EXECUTORS: dict[str, str] = {
    "local": "agentindex.runner.executors.local:LocalExecutor",
    "ray": "agentindex.runner.executors.ray_executor:RayExecutor",
}


def get_executor(name: str, address: str | None = None) -> Executor:
    """``address`` is the Ray cluster's (only the ray executor takes one)."""
    if name not in EXECUTORS:
        raise ConfigError("--executor", None, f"unknown executor {name!r} "
                          f"(known: {', '.join(EXECUTORS)})")
    if address is not None and name != "ray":
        raise ConfigError("--ray-address", None, "only the ray executor joins a cluster "
                          "(add --executor ray)")
    module, _, cls = EXECUTORS[name].partition(":")
    executor: Executor = getattr(importlib.import_module(module), cls)(
        **({"address": address} if address is not None else {}))
    return executor


def __getattr__(name: str) -> Any:
    if name == "RayExecutor":
        from agentindex.runner.executors.ray_executor import RayExecutor
        return RayExecutor
    raise AttributeError(name)


__all__ = ["EXECUTORS", "Executor", "JobContext", "LocalExecutor", "RayExecutor", "TrialLost",
           "TrialRunner", "get_executor"]
