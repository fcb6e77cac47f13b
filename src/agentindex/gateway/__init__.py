"""The metering gateway: every model call of every harness, measured the same way.

Public API: :class:`Gateway` (``open_trial`` / ``close_trial``), :class:`TrialRoute`,
:class:`CallRecord`, :class:`ScriptedContext`, :class:`ProvidersConfig`.
"""

from agentindex.gateway.config import ProvidersConfig, ProviderSpec
from agentindex.gateway.records import CallRecord
from agentindex.gateway.scripted import SCRIPTED_USAGE, ScriptedContext, scripted_usage
from agentindex.gateway.server import Gateway, TrialRoute

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
