"""Unique labels for a report's variants.

A variant's label names its harness, model and reasoning effort. Two variants can still share it
(in a combined report): the builtin harness on Chat Completions and on Responses, or the same
harness at two versions. Those get the settings that tell them apart, e.g.
``Builtin · gpt-5 (protocol=openai-chat)`` beside ``Builtin · gpt-5 (protocol=openai-responses)``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from agentindex.results import VariantInfo


def _facts(v: VariantInfo) -> dict[str, Any]:
    """What can set two variants apart, beyond their label: settings, then version and model."""
    return {**v.settings, "version": v.agent_version, "model": v.model}


def _text(value: Any) -> str:
    return "default" if value is None else value if isinstance(value, str) else json.dumps(value)


def unique_labels(variants: Sequence[VariantInfo]) -> dict[str, str]:
    """variant key -> label: its own where no other variant has it, else the label followed by
    the facts (``name=value``; ``default`` when unset) that differ within its group."""
    groups: dict[str, list[VariantInfo]] = defaultdict(list)
    for v in variants:
        groups[v.label].append(v)
    out: dict[str, str] = {}
    for label, group in groups.items():
        if len({v.variant_key for v in group}) == 1:
            out.update({v.variant_key: label for v in group})
            continue
        facts = [_facts(v) for v in group]
        names = sorted({k for f in facts for k in f})
        differ = [k for k in names if len({_text(f.get(k)) for f in facts}) > 1]
        for v, f in zip(group, facts, strict=True):
            shown = ", ".join(f"{k}={_text(f.get(k))}" for k in differ)
            out[v.variant_key] = f"{label} ({shown})" if shown else f"{label} ({v.variant_key})"
    return out
