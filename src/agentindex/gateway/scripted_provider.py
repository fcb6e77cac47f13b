"""The ``scripted`` provider: answers calls with the replies of ``agentindex.gateway.scripted``,
rendered in the call's wire protocol, and metered by the same scanners as real responses.

It alone keeps per-trial state (a :class:`ScriptedState`: the trial's ``ScriptedContext``, which
may hold the task's solution, and its call count), from the trial's first try until
``end_trial``; everything else it needs it reads from the request.

With ``AGENTINDEX_SCRIPTED_LOG`` naming a directory, it also appends one line per call it answers
to ``served-<pid>.jsonl`` there (trial, call number, behaviour, the fault served or null), each
written with one ``write`` as the call is answered, so the count survives ``kill -9`` of the
gateway's process: the soak compares it with the call records the runner kept.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

from aiohttp import web

from agentindex.gateway.exchange import Exchange, error_response, pump
from agentindex.gateway.scripted import (
    BEHAVIOURS,
    ChaosFault,
    ScriptedContext,
    ScriptedModel,
    ScriptedState,
    asks_submit,
    chaos_fault,
    flaky_error,
    parse_scripted,
    scripted_reply,
)
from agentindex.gateway.wire import dumps

SERVED_LOG_ENV = "AGENTINDEX_SCRIPTED_LOG"


class ServedLog:
    """The calls this process answered, one JSON line each (see module docstring); a no-op
    unless ``directory`` is given."""

    def __init__(self, directory: str | None) -> None:
        self.fd: int | None = None
        if directory:
            Path(directory).mkdir(parents=True, exist_ok=True)
            path = Path(directory) / f"served-{os.getpid()}.jsonl"
            self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, trial_id: str, call_no: int, behaviour: str, fault: str | None) -> None:
        if self.fd is not None:
            line = json.dumps({"trial_id": trial_id, "call_no": call_no,
                               "behaviour": behaviour, "fault": fault}) + "\n"
            os.write(self.fd, line.encode())  # one write: whole lines, also under kill -9

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class Scripted:
    """Serves ``scripted/<behaviour>`` for every wire protocol."""

    def __init__(self, session: object = None) -> None:
        """``session``: the gateway's client session, which scripted models do not need."""
        self.states: dict[str, ScriptedState] = {}
        self.served = ServedLog(os.environ.get(SERVED_LOG_ENV))

    def open_trial(self, trial_id: str, context: object | None) -> None:
        """Keep ``context`` (a :class:`ScriptedContext`) for the trial; a later try keeps the
        state of the first (``flaky``'s errors are the trial's first calls)."""
        if trial_id not in self.states:
            ctx = context if isinstance(context, ScriptedContext) else ScriptedContext()
            self.states[trial_id] = ScriptedState(ctx)

    def end_trial(self, trial_id: str) -> None:
        self.states.pop(trial_id, None)

    def close(self) -> None:
        self.served.close()

    async def call(self, ex: Exchange) -> web.StreamResponse:
        model = parse_scripted(ex.target.model)
        state = self.states.setdefault(ex.trial_id, ScriptedState())
        state.calls += 1
        fault = _fault(model, ex.trial_id, state.calls)
        self.served.write(ex.trial_id, state.calls, model.behaviour,
                          fault.kind if fault else None)
        if fault is not None and fault.error is not None:
            err = fault.error
            ex.status, ex.error = err.status, err.message
            return error_response(err.status, err.message, "rate_limit_error", err.headers)
        if fault is not None and fault.kind == "stall":
            ex.error = f"stalled {fault.stall_s:g} s (scripted/chaos)"
            await asyncio.sleep(fault.stall_s)
        name = ex.call.model or f"scripted/{model.behaviour}"
        reply = scripted_reply(model, ex.call, state.context, name, submit=asks_submit(ex.raw))
        rendered = ex.protocol.render(reply, ex.call)
        if fault is not None and fault.kind == "malformed":
            return await _malformed(ex, rendered.content_type)
        resp = web.StreamResponse(status=200)
        resp.content_type = rendered.content_type
        chunks = list(rendered.chunks)
        cut = fault is not None and fault.kind == "cut"
        if cut:
            assert fault is not None
            chunks = _cut(chunks, fault.cut_after)
        elif len(chunks) == 1:
            resp.content_length = len(chunks[0])
        ex.status = 200
        await resp.prepare(ex.request)
        await pump(ex, resp, chunks, ex.scanner(rendered.content_type))
        if cut:
            ex.error = f"stream cut (scripted/{model.behaviour})"
            if ex.request.transport is not None:
                ex.request.transport.close()
            return resp
        await resp.write_eof()
        return resp

    async def passthrough(self, ex: Exchange) -> web.StreamResponse:
        if ex.route.action == "count":
            return web.Response(body=dumps(ex.protocol.count_tokens(ex.body)),
                                content_type="application/json")
        models = [{"id": f"scripted/{b}", "name": f"models/scripted/{b}", "object": "model",
                   "type": "model", "display_name": f"scripted/{b}"}
                  for b in BEHAVIOURS]
        return web.Response(body=dumps({"data": models, "models": models, "object": "list"}),
                            content_type="application/json")


def _fault(model: ScriptedModel, trial_id: str, call_no: int) -> ChaosFault | None:
    """What goes wrong with this call: ``flaky``'s first two, every ``cut``, ``chaos``'s draw."""
    match model.behaviour:
        case "flaky":
            err = flaky_error(call_no)
            return ChaosFault(str(err.status), err) if err is not None else None
        case "cut":
            return ChaosFault("cut")
        case "chaos":
            return chaos_fault(model, trial_id, call_no)
    return None


def _cut(chunks: list[bytes], fraction: float) -> list[bytes]:
    """The first ``fraction`` of a response (at least one event or byte): of a stream, its
    events; of one body, its bytes."""
    if len(chunks) > 1:
        return chunks[: max(1, int(len(chunks) * fraction))]
    return [chunks[0][: max(1, int(len(chunks[0]) * fraction))]]


async def _malformed(ex: Exchange, content_type: str) -> web.StreamResponse:
    """A 200 whose content cannot be parsed: SSE events with broken JSON, or a broken body."""
    stream = content_type.startswith("text/event-stream")
    body = (b'event: message\ndata: {"type": "content_block_delta", "delta": {"te\n\n'
            b"data: [[[not json\n\n") if stream else b'{"id": "scripted", "content": [{"ty'
    ex.status, ex.error = 200, "malformed response (scripted/chaos)"
    ex.first_byte_at = time.time()
    return web.Response(status=200, body=body, content_type=content_type.partition(";")[0])
