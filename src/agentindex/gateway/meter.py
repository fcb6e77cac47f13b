"""Scanners that read usage from a response body while it passes, shared by the protocol modules.

A streaming response is split into SSE lines; only ``data:`` payloads a cheap byte test marks as
interesting (usage, tool calls) are parsed as JSON, and they are folded into a small state — the
stream is never re-assembled. A non-streaming body is one JSON document, so its bytes are kept
(up to a limit) and parsed once at the end.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

from agentindex.gateway.wire import Scan, data_payload, load_event

#: Non-streaming bodies larger than this are passed on but not metered (usage not reported).
JSON_BODY_LIMIT = 64 * 1024 * 1024


class StreamState(Protocol):
    """Per-protocol fold over stream events. ``wanted`` must be a byte-substring test (true for
    any bytes that contain a wanted payload): the scanner asks it about a whole run of complete
    lines first and splits the run into lines only when it says yes."""

    def wanted(self, payload: bytes) -> bool: ...

    def step(self, event: dict[str, Any]) -> None: ...

    def scan(self) -> Scan: ...


class SseScanner:
    """Passes every chunk through unchanged and folds the interesting events into ``state``."""

    def __init__(self, state: StreamState) -> None:
        self._state = state
        self._tail = b""  # the unfinished last line

    def feed(self, chunk: bytes) -> bytes:
        # Per chunk, the common case (a text delta) costs a few C-level byte searches: the
        # complete lines are split and looked at one by one only when the state wants them.
        end = chunk.rfind(b"\n")
        if end < 0:
            self._tail += chunk
            return chunk
        if self._tail:
            done, self._tail = self._tail + chunk[:end], chunk[end + 1:]
        else:
            done, self._tail = chunk[:end], chunk[end + 1:]
        if self._state.wanted(done):
            for line in done.split(b"\n"):
                self._line(line)
        return chunk

    def _line(self, line: bytes) -> None:
        payload = data_payload(line)
        if payload and self._state.wanted(payload):
            event = load_event(payload)
            if event is not None:
                self._state.step(event)

    def finish(self) -> tuple[bytes, Scan]:
        tail, self._tail = self._tail, b""
        self._line(tail)
        return b"", self._state.scan()


class JsonBodyScanner:
    """Keeps a copy of a one-document body and converts it once the body has ended."""

    def __init__(self, convert: Callable[[Any], Scan]) -> None:
        self._convert = convert
        self._parts: list[bytes] = []
        self._size = 0

    def feed(self, chunk: bytes) -> bytes:
        self._size += len(chunk)
        if self._size <= JSON_BODY_LIMIT:
            self._parts.append(chunk)
        return chunk

    def finish(self) -> tuple[bytes, Scan]:
        if self._size > JSON_BODY_LIMIT:
            return b"", Scan()
        try:
            body = json.loads(b"".join(self._parts))
        except ValueError:
            return b"", Scan()
        return b"", self._convert(body)
