"""The judge's model, the verifier's environment (no provider key) and the unscored check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentindex.errors import ConfigError
from agentindex.runner.judging import judge_env, judge_model_for, judge_problem
from agentindex.tasks.loader import load_task
from tests.qna_judge_fixture import write_qna_task


def test_judge_model_from_task_or_flag(tmp_path: Path) -> None:
    task = load_task(write_qna_task(tmp_path, "q", judge="scripted/judge"))
    assert judge_model_for(task, None) == "scripted/judge"
    assert judge_model_for(task, "openai/gpt-5") == "openai/gpt-5"
    with pytest.raises(ConfigError, match=r"verifier\.env\.EVAL_MODEL: 'gpt-5' is not "
                                          "provider/model"):
        judge_model_for(task, "gpt-5")
    toml = task.toml_path.read_text().replace('"${EVAL_MODEL:-scripted/judge}"',
                                              '"${EVAL_MODEL}"')
    task.toml_path.write_text(toml)
    with pytest.raises(ConfigError, match="names no judge model: give one with --judge-model"):
        judge_model_for(load_task(task.path), None)


def test_verifier_env_holds_the_route_never_the_key(tmp_path: Path) -> None:
    task = load_task(write_qna_task(tmp_path, "q"))
    environ = {"OPENAI_API_KEY": "sk-secret", "OPENAI_API_BASE": "https://api.openai.com/v1"}
    env = judge_env(task, environ, "http://127.0.0.1:9/t/tok", "tok", "openai/gpt-5")
    assert env == {"EVAL_BASE_URL": "http://127.0.0.1:9/t/tok/v1", "EVAL_API_KEY": "tok",
                   "EVAL_MODEL": "openai/gpt-5"}


@pytest.mark.parametrize(("results", "problem"), [
    (None, None),
    ({"num_rubrics": 3, "num_unscored": 0}, None),
    ({"num_rubrics": 3, "num_unscored": 2}, "the judge's replies left 2 of 3 rubric items "
                                           "unscored after the grader's retries (malformed "
                                           "judge output)"),
    ("{not json", "evaluation_results.json is not JSON: Expecting property name enclosed in "
                  "double quotes: line 1 column 2 (char 1)"),
])
def test_judge_problem(tmp_path: Path, results: object, problem: str | None) -> None:
    if results is not None:
        text = results if isinstance(results, str) else json.dumps(results)
        (tmp_path / "evaluation_results.json").write_text(text)
    assert judge_problem(tmp_path) == problem
