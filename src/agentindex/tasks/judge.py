"""Tasks whose verifier calls a model (an LLM judge): recognised by the OpenAI-compatible endpoint
settings in ``[verifier.env]`` that SWE-Atlas-QnA's grader reads (``EVAL_BASE_URL``,
``EVAL_API_KEY``, ``EVAL_MODEL``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentindex.tasks.model import Task

BASE_URL, API_KEY, MODEL = "EVAL_BASE_URL", "EVAL_API_KEY", "EVAL_MODEL"
_DEFAULT = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)\}$")


@dataclass(frozen=True)
class JudgeSpec:
    """What a task's verifier expects of its judge. ``model`` is the model the task names
    (``EVAL_MODEL``'s literal value or its ``${VAR:-default}``), None when it names none."""

    model: str | None
    base_url_var: str = BASE_URL
    api_key_var: str = API_KEY
    model_var: str = MODEL


def judge_spec(task: Task) -> JudgeSpec | None:
    """The task's judge, or None when its verifier needs no model (no ``EVAL_BASE_URL`` or
    ``EVAL_API_KEY`` in ``[verifier.env]``)."""
    env = task.config.verifier.env
    if BASE_URL not in env and API_KEY not in env:
        return None
    raw = env.get(MODEL)
    if raw is None:
        return JudgeSpec(model=None)
    m = _DEFAULT.match(raw.strip())
    model = m.group(1) if m else (None if "${" in raw else raw.strip())
    return JudgeSpec(model=model or None)
