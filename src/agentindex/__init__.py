"""agentindex: benchmark coding-agent harnesses paired with models, economics beside the score."""

__version__ = "0.1.0"
