"""Checks shared by the local-model tests: every recorded call against what the model really saw
and wrote (``AGENTINDEX_LOCAL_TRACE``), counted by the model's own tokenizer."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from agentindex.gateway.local.runtime import import_runtime, model_file


@functools.cache
def tokenizer() -> Any:
    """The SmolLM2 tokenizer alone (``vocab_only``: no weights, no context)."""
    llama_cpp = import_runtime()
    return llama_cpp.Llama(model_path=str(model_file("smollm2")), vocab_only=True,
                           verbose=False)


def count(text: str) -> int:
    return len(tokenizer().tokenize(text.encode(), add_bos=False, special=True))


def read_trace(path: Path) -> dict[float, dict[str, Any]]:
    """Trace lines by the ``started_at`` of their call."""
    lines = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return {line["started_at"]: line for line in lines}


def check_usage(call: dict[str, Any], trace: dict[float, dict[str, Any]]) -> dict[str, Any]:
    """A call's usage equals the tokenizer's count of the prompt the model saw and the completion
    it produced, to the token; cache read is the prefix the runtime reused. Returns the trace."""
    seen = trace[call["started_at"]]
    assert call["input"] + call["cache_read"] == count(seen["prompt"]) == seen["prompt_tokens"]
    assert call["cache_read"] == seen["reused"]
    assert call["output"] == len(seen["completion"])
    detok = tokenizer().detokenize(seen["completion"]).decode("utf-8", errors="replace")
    assert detok == seen["text"]
    return seen


def check_kv_reuse(trace: dict[float, dict[str, Any]]) -> None:
    """Each generation's reused prefix is what the one KV cache really held: the longest common
    prefix of its prompt with the previous generation's prompt and evaluated completion (all of
    it, or all but the last token when the budget cut it: that token was sampled, never
    evaluated), less one token when the whole prompt was cached (llama.cpp evaluates the last
    prompt token again for fresh logits)."""
    held: list[int] = []
    for seen in sorted(trace.values(), key=lambda s: s["started_at"]):
        prompt = tokenizer().tokenize(seen["prompt"].encode(), add_bos=False, special=True)
        common = 0
        for a, b in zip(held, prompt, strict=False):
            if a != b:
                break
            common += 1
        assert seen["reused"] == min(common, len(prompt) - 1), (seen["reused"], common)
        completion = list(seen["completion"])
        held = prompt + (completion if seen["stopped"] else completion[:-1])
