"""The ``local`` provider kind: a GGUF model (``local/smollm2``) run inside the gateway.

``provider`` answers calls; ``transcript`` reads each wire protocol's request into a chat;
``chat_format`` writes the prompt and reads tool calls back (SmolLM2's format); ``runtime``
installs llama.cpp and the model on first use and runs one model per file on one thread.
"""

from agentindex.gateway.local.provider import Local, LocalModel, parse_local

__all__ = ["Local", "LocalModel", "parse_local"]
