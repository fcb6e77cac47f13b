"""The judge of a task whose verifier calls a model (SWE-Atlas-QnA's rubric grader): which model,
the verifier's environment for its own gateway route, and whether the judge's answers were usable.

The verifier never sees a provider key: ``EVAL_API_KEY`` is the grading route's token,
``EVAL_BASE_URL`` the route's URL, and the task's own values for them (``${OPENAI_API_KEY}``
...) are never resolved. Its calls are metered as ``grading``, apart from the agent's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from agentindex.errors import ConfigError
from agentindex.tasks.envsubst import resolve_env
from agentindex.tasks.judge import judge_spec
from agentindex.tasks.model import Task

RESULTS_FILE = "evaluation_results.json"  # what SWE-Atlas's grader writes beside its reward


def judge_model_for(task: Task, override: str | None) -> str | None:
    """``override`` (``--judge-model``), else the model the task names; None when the task's
    verifier needs no judge."""
    spec = judge_spec(task)
    if spec is None:
        return None
    model = override or spec.model
    if not model:
        raise ConfigError(task.toml_path, f"verifier.env.{spec.model_var}",
                          "names no judge model: give one with --judge-model provider/model")
    if "/" not in model:
        raise ConfigError(task.toml_path, f"verifier.env.{spec.model_var}",
                          f"{model!r} is not provider/model")
    return model


def judge_env(task: Task, environ: Mapping[str, str], base_url: str, token: str,
              model: str) -> dict[str, str]:
    """The verifier's environment: the task's ``[verifier.env]`` without its judge settings
    (resolved against ``environ``), plus the grading route's URL, token and the judge model."""
    spec = judge_spec(task)
    assert spec is not None
    own = {spec.base_url_var, spec.api_key_var, spec.model_var}
    env = resolve_env({k: v for k, v in task.config.verifier.env.items() if k not in own},
                      environ, file=task.toml_path, section="verifier.env")
    # OpenAI-compatible clients append /chat/completions to the base URL.
    env.update({spec.base_url_var: f"{base_url}/v1", spec.api_key_var: token,
                spec.model_var: model})
    return env


def judge_problem(verifier_dir: Path) -> str | None:
    """Why the grade cannot stand, or None: a rubric item the judge's replies left unscored
    (after the grader's own retries) makes the reward a guess, not a grade."""
    path = verifier_dir / RESULTS_FILE
    if not path.is_file():
        return None
    try:
        results = json.loads(path.read_text(errors="replace"))
    except json.JSONDecodeError as e:
        return f"{RESULTS_FILE} is not JSON: {e}"
    unscored = results.get("num_unscored") if isinstance(results, dict) else None
    if isinstance(unscored, int) and unscored > 0:
        total = results.get("num_rubrics", "?")
        return (f"the judge's replies left {unscored} of {total} rubric items unscored after "
                "the grader's retries (malformed judge output)")
    return None
