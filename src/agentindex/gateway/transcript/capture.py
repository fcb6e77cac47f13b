"""The hook the gateway calls once a call has ended (after the client has its answer): the
call's request and kept response bytes -> the trajectory events it adds."""

from __future__ import annotations

from agentindex.gateway.exchange import Exchange
from agentindex.gateway.transcript import CONVERTERS
from agentindex.gateway.transcript.recorder import Recorder, TrajEvent, response_items


def capture(ex: Exchange, recorder: Recorder, seq: int, ended_at: float) -> list[TrajEvent]:
    """The events call ``seq`` adds to its try's trajectory. A call whose protocol has no
    converter adds none; a failed response (status >= 400) adds only what its request brought."""
    conv = CONVERTERS.get(ex.protocol.name)
    if conv is None:
        return []
    ok = ex.status is not None and ex.status < 400
    response = response_items(ex.protocol.name, ex.content_type, b"".join(ex.kept or ())) \
        if ok else []
    return recorder.events(seq=seq, side=not ex.call.tools_offered,
                           request=conv.request(ex.body), response=response,
                           started_at=ex.started_at, ended_at=ended_at)
