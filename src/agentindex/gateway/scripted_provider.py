"""The ``scripted`` provider: answers calls with the replies of ``agentindex.gateway.scripted``,
rendered in the call's wire protocol, and metered by the same scanners as real responses.

It alone keeps per-trial state (a :class:`ScriptedState`: the trial's ``ScriptedContext``, which
may hold the task's solution, and its call count), from the trial's first try until
``end_trial``; everything else it needs it reads from the request."""

from __future__ import annotations

from aiohttp import web

from agentindex.gateway.exchange import Exchange, error_response, pump
from agentindex.gateway.scripted import (
    BEHAVIOURS,
    ScriptedContext,
    ScriptedState,
    asks_submit,
    flaky_error,
    parse_scripted,
    scripted_reply,
)
from agentindex.gateway.wire import dumps


class Scripted:
    """Serves ``scripted/<behaviour>`` for every wire protocol."""

    def __init__(self, session: object = None) -> None:
        """``session``: the gateway's client session, which scripted models do not need."""
        self.states: dict[str, ScriptedState] = {}

    def open_trial(self, trial_id: str, context: object | None) -> None:
        """Keep ``context`` (a :class:`ScriptedContext`) for the trial; a later try keeps the
        state of the first (``flaky``'s errors are the trial's first calls)."""
        if trial_id not in self.states:
            ctx = context if isinstance(context, ScriptedContext) else ScriptedContext()
            self.states[trial_id] = ScriptedState(ctx)

    def end_trial(self, trial_id: str) -> None:
        self.states.pop(trial_id, None)

    async def call(self, ex: Exchange) -> web.StreamResponse:
        model = parse_scripted(ex.target.model)
        state = self.states.setdefault(ex.trial_id, ScriptedState())
        state.calls += 1
        if model.behaviour == "flaky" and (err := flaky_error(state.calls)) is not None:
            ex.status, ex.error = err.status, err.message
            return error_response(err.status, err.message, "rate_limit_error", err.headers)
        name = ex.call.model or f"scripted/{model.behaviour}"
        reply = scripted_reply(model, ex.call, state.context, name, submit=asks_submit(ex.raw))
        rendered = ex.protocol.render(reply, ex.call)
        resp = web.StreamResponse(status=200)
        resp.content_type = rendered.content_type
        chunks = list(rendered.chunks)
        cut = model.behaviour == "cut"
        if cut:
            chunks = _first_half(chunks)
        elif len(chunks) == 1:
            resp.content_length = len(chunks[0])
        ex.status = 200
        await resp.prepare(ex.request)
        await pump(ex, resp, chunks, ex.scanner(rendered.content_type))
        if cut:
            ex.error = "stream cut (scripted/cut)"
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


def _first_half(chunks: list[bytes]) -> list[bytes]:
    """About half of a response: half the events of a stream, half the bytes of one body."""
    if len(chunks) > 1:
        return chunks[: max(1, len(chunks) // 2)]
    return [chunks[0][: len(chunks[0]) // 2]]
