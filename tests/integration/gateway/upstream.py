"""A local server that speaks each provider's wire format with canned responses, and remembers
what it received (to check what the gateway forwards)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from agentindex.usage import Usage


def ev(obj: object, event: str | None = None) -> bytes:
    head = f"event: {event}\n".encode() if event else b""
    return head + b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"


ANTHROPIC_JSON = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-x",
                  "content": [{"type": "tool_use", "id": "toolu_1", "name": "Bash",
                               "input": {"command": "ls"}}], "stop_reason": "tool_use",
                  "usage": {"input_tokens": 11, "cache_read_input_tokens": 5000,
                            "cache_creation_input_tokens": 700, "output_tokens": 42,
                            "cache_creation": {"ephemeral_5m_input_tokens": 600,
                                               "ephemeral_1h_input_tokens": 100}}}
ANTHROPIC_SSE = [
    ev({"type": "message_start", "message": {**ANTHROPIC_JSON, "content": [], "usage": {
        **ANTHROPIC_JSON["usage"], "output_tokens": 1}}}, "message_start"),
    ev({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
       "content_block_start"),
    ev({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "hi"}},
       "content_block_delta"),
    ev({"type": "content_block_stop", "index": 0}, "content_block_stop"),
    ev({"type": "message_delta", "delta": {"stop_reason": "end_turn"},
        "usage": {"output_tokens": 42}}, "message_delta"),
    ev({"type": "message_stop"}, "message_stop"),
]
ANTHROPIC_USAGE = Usage(input=11, cache_read=5000, cache_write_5m=600, cache_write_1h=100,
                        output=42)

CHAT_USAGE_RAW = {"prompt_tokens": 1300, "completion_tokens": 40, "total_tokens": 1340,
                  "prompt_tokens_details": {"cached_tokens": 1024},
                  "completion_tokens_details": {"reasoning_tokens": 16}}
CHAT_JSON = {"id": "c1", "object": "chat.completion", "created": 1, "model": "gpt-x",
             "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"},
                          "finish_reason": "stop"}], "usage": CHAT_USAGE_RAW}
_CHUNK = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-x"}


def chat_sse(with_usage: bool) -> list[bytes]:
    null = {"usage": None} if with_usage else {}
    out = [ev({**_CHUNK, "choices": [{"index": 0, "delta": {"content": "hi"},
                                      "finish_reason": None}], **null}),
           ev({**_CHUNK, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], **null})]
    if with_usage:
        out.append(ev({**_CHUNK, "choices": [], "usage": CHAT_USAGE_RAW}))
    return [*out, b"data: [DONE]\n\n"]


CHAT_USAGE = Usage(input=276, cache_read=1024, output=40, reasoning=16)

RESPONSES_USAGE_RAW = {"input_tokens": 900, "input_tokens_details": {"cached_tokens": 800},
                       "output_tokens": 30, "output_tokens_details": {"reasoning_tokens": 20},
                       "total_tokens": 930}
RESPONSES_JSON = {"id": "r1", "object": "response", "status": "completed", "output": [
    {"type": "function_call", "call_id": "c", "name": "exec_command",
     "arguments": "{\"cmd\":\"ls\"}"}],
    "usage": RESPONSES_USAGE_RAW}
RESPONSES_SSE = [
    ev({"type": "response.created", "response": {"id": "r1", "status": "in_progress",
                                                 "output": [], "usage": None}}, "response.created"),
    ev({"type": "response.output_item.done", "output_index": 0,
        "item": RESPONSES_JSON["output"][0]}, "response.output_item.done"),
    ev({"type": "response.completed", "response": RESPONSES_JSON}, "response.completed"),
]
RESPONSES_USAGE = Usage(input=100, cache_read=800, output=30, reasoning=20)

GEMINI_META = {"promptTokenCount": 700, "cachedContentTokenCount": 500,
               "candidatesTokenCount": 9, "thoughtsTokenCount": 3, "totalTokenCount": 712}
GEMINI_JSON = {"candidates": [{"content": {"role": "model", "parts": [{"text": "hi"}]},
                               "finishReason": "STOP"}], "usageMetadata": GEMINI_META}
GEMINI_SSE = [ev({"candidates": [{"content": {"role": "model", "parts": [{"text": "h"}]}}],
                  "usageMetadata": {"promptTokenCount": 700}}), ev(GEMINI_JSON)]
GEMINI_USAGE = Usage(input=200, cache_read=500, output=12, reasoning=3)


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeUpstream:
    """Answers like a provider; ``seen`` holds every request, ``sent`` every body it sent."""

    seen: list[Seen] = field(default_factory=list)
    sent: list[bytes] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        self.seen.append(Seen(request.method, request.path, dict(request.query),
                              {k.lower(): v for k, v in request.headers.items()}, raw))
        body: dict[str, Any] = json.loads(raw) if raw else {}
        if body.get("model") == "rate-limited":
            data = json.dumps({"type": "error", "error": {"type": "rate_limit_error",
                                                          "message": "slow down"}}).encode()
            self.sent.append(data)
            return web.Response(status=429, body=data, content_type="application/json",
                                headers={"retry-after": "7", "x-request-id": "req_429"})
        stream = body.get("stream") is True or "streamGenerateContent" in request.path
        chunks = self._chunks(request.path, body, stream)
        resp = web.StreamResponse(headers={"x-request-id": "req_1"})
        resp.content_type = "text/event-stream" if stream else "application/json"
        await resp.prepare(request)
        for chunk in chunks:
            await resp.write(chunk)
        self.sent.append(b"".join(chunks))
        await resp.write_eof()
        return resp

    def _chunks(self, path: str, body: dict[str, Any], stream: bool) -> list[bytes]:
        if path.endswith("/messages"):
            return ANTHROPIC_SSE if stream else [json.dumps(ANTHROPIC_JSON).encode()]
        if path.endswith("/chat/completions"):
            usage = body.get("stream_options", {}).get("include_usage") is True
            return chat_sse(usage) if stream else [json.dumps(CHAT_JSON).encode()]
        if path.endswith("/responses"):
            return RESPONSES_SSE if stream else [json.dumps(RESPONSES_JSON).encode()]
        if "Content" in path:
            return GEMINI_SSE if stream else [json.dumps(GEMINI_JSON).encode()]
        return [json.dumps({"data": [{"id": "model-a"}]}).encode()]
