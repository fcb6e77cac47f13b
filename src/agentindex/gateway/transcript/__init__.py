"""Trajectory capture: the conversation of every call, in one event model for every harness.

:data:`CONVERTERS` holds one :class:`~.items.Converter` per wire protocol (a module each);
:class:`~.recorder.Recorder` keeps what a try has already stored and writes only what is new.
"""

from agentindex.gateway.transcript import anthropic, gemini, openai_chat, openai_responses
from agentindex.gateway.transcript.items import Converter, Item

CONVERTERS: dict[str, Converter] = {
    "anthropic": anthropic.CONVERTER,
    "openai-chat": openai_chat.CONVERTER,
    "openai-responses": openai_responses.CONVERTER,
    "gemini": gemini.CONVERTER,
}

__all__ = ["CONVERTERS", "Converter", "Item"]
