"""The gateway's call record is :class:`agentindex.results.call.CallRecord` (one model per
concept); re-exported here so the gateway's modules keep their import."""

from agentindex.results.call import CallRecord

__all__ = ["CallRecord"]
