"""The metering gateway: every model call of every harness, measured the same way.

Public API: :class:`Gateway` (``open_trial`` / ``close_trial``), :class:`TrialRoute`,
:class:`CallRecord`, :class:`ScriptedContext`, :class:`ProvidersConfig`.
"""

from typing import TYPE_CHECKING, Any

from agentindex.gateway.config import ProvidersConfig, ProviderSpec
from agentindex.gateway.records import CallRecord
from agentindex.gateway.scripted import SCRIPTED_USAGE, ScriptedContext, scripted_usage

if TYPE_CHECKING:
    from agentindex.gateway.server import Gateway, TrialRoute


def __getattr__(name: str) -> Any:
    # The server (and aiohttp, ~0.2 s to import) loads only when a run has model calls to make:
    # a re-run of a finished job never needs it.
    if name in ("Gateway", "TrialRoute"):
        from agentindex.gateway import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SCRIPTED_USAGE",
    "CallRecord",
    "Gateway",
    "ProviderSpec",
    "ProvidersConfig",
    "ScriptedContext",
    "TrialRoute",
    "scripted_usage",
]
