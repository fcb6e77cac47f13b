"""One record per model call the gateway saw, failed calls included. Maps 1:1 to the ``calls``
table of ``agentindex.store.schema`` (``to_row``) and to one line of ``calls.jsonl`` (``to_json``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from agentindex.usage import Usage


@dataclass(frozen=True)
class CallRecord:
    """One model call.

    - ``seq``: 1, 2, ... per (trial, try), in the order calls started.
    - ``protocol``: wire protocol name (``anthropic``, ``openai-chat``, ``openai-responses``,
      ``gemini``); ``provider``: provider name from the providers config (``scripted`` for test
      doubles); ``model``: the model id sent upstream (scripted: ``oracle``, with any
      ``?price=provider/model`` option kept, so the call can be priced later).
    - times are unix seconds (float); ``first_byte_at`` / ``ended_at`` None if never reached.
    - ``queue_s``: seconds the call waited for a ``local`` model (behind other calls, or while
      it loaded) before generating; None for other providers.
    - ``status``: HTTP status the client got (None if the gateway failed before answering).
    - ``usage``: as parsed from the response; fields None when not reported.
    - ``tools_offered``: the request offered tools (an agent turn), else a side call.
    - ``tool_digest``: digest of the tool calls the response made (see ``wire.tool_digest``).
    - ``error``: short description of what went wrong (upstream status, cut stream, ...).
    """

    trial_id: str
    try_no: int
    seq: int
    protocol: str
    provider: str
    model: str
    started_at: float
    first_byte_at: float | None
    ended_at: float | None
    status: int | None
    usage: Usage
    tools_offered: bool
    tool_digest: str | None
    error: str | None
    queue_s: float | None = None

    def to_row(self) -> dict[str, Any]:
        """The row for the ``calls`` table (usage spread into its columns)."""
        row = asdict(self)
        del row["usage"]
        row.update(self.usage.to_dict())
        return row

    def to_json(self) -> str:
        """One line of ``calls.jsonl`` (no newline)."""
        return json.dumps(self.to_row(), separators=(",", ":"), ensure_ascii=False)
