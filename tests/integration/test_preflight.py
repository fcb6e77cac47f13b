"""Item 2 of issue 13: a bad config stops the job before any trial, with one message per problem;
a config problem only a trial can find is class ``config`` (not retried, excluded, shown), and a
re-run after the config is fixed runs that trial again."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agentindex.runner.policy import ScoreAs
from tests.conftest import TaskFactory, write_task
from tests.integration.helpers import run, trial_rows

pytestmark = pytest.mark.integration


def test_a_misconfigured_job_stops_before_any_trial(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks"
    write_task(tasks, "fine")
    write_task(tasks, "needs-build", dockerfile="FROM localhost/debian:bookworm\nWORKDIR /app\n"
                                                 "RUN curl -fsSL https://example.com/x | sh\n")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    result = subprocess.run(
        [sys.executable, "-m", "agentindex.cli", "run", "-d", str(tasks), "-a", "claude-code",
         "-a", "builtin", "-m", "openai/gpt-5.5", "-m", "zai/glm-5.1", "-m", "nope/x",
         "-o", str(tmp_path / "jobs"), "--job", "J"],
        capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 2, result.stderr
    dockerfile = tasks / "needs-build" / "environment" / "Dockerfile"
    known = "(known: anthropic, openai, google, zai, moonshot, deepseek, scripted, local)"
    # (compared with whitespace collapsed: the console wraps lines longer than 200 columns)
    assert " ".join(result.stderr.split()) == " ".join(" ".join([
        "error: the job's config has 8 problem(s); no trial was run:",
        "  - variant claude-code × openai/gpt-5.5: provider 'openai' needs its key in "
        "$OPENAI_API_KEY, which is not set",
        "  - variant claude-code × openai/gpt-5.5: no wire protocol in common: claude-code "
        "speaks anthropic; provider 'openai' speaks openai-chat, openai-responses",
        "  - variant claude-code × zai/glm-5.1: provider 'zai' needs its key in $ZAI_API_KEY, "
        "which is not set",
        f"  - variant claude-code × nope/x: unknown provider 'nope' {known}",
        "  - variant builtin × openai/gpt-5.5: provider 'openai' needs its key in "
        "$OPENAI_API_KEY, which is not set",
        "  - variant builtin × zai/glm-5.1: provider 'zai' needs its key in $ZAI_API_KEY, which "
        "is not set",
        f"  - variant builtin × nope/x: unknown provider 'nope' {known}",
        f"  - task needs-build: {dockerfile}:3: RUN is not supported by bwrap (it honours "
        "WORKDIR, COPY, ADD, ENV); this task needs the container backend (-e container)",
    ]).split())
    assert not (tmp_path / "jobs" / "J").exists()  # nothing written, nothing committed


def test_a_harness_without_a_lean_prompt_is_refused_before_any_trial(tmp_path: Path) -> None:
    tasks = tmp_path / "tasks"
    write_task(tasks, "fine")
    result = subprocess.run(
        [sys.executable, "-m", "agentindex.cli", "run", "-d", str(tasks), "-a", "qwen-code",
         "-a", "claude-code", "-m", "local/smollm2", "--setting", "harness_prompt=lean",
         "-o", str(tmp_path / "jobs"), "--job", "J"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    assert "variant qwen-code × local/smollm2: harness_prompt 'lean': qwen-code has no lean " \
           "prompt" in " ".join(result.stderr.split())
    assert "claude-code ×" not in result.stderr
    assert not (tmp_path / "jobs" / "J" / "trials").exists()


def test_a_config_error_in_a_trial_is_its_own_class_and_reruns_after_the_fix(
        make_task: TaskFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The task's environment reads a host variable, resolved when its trial starts.
    toml = textwrap.dedent("""\
        version = "1.0"
        [agent]
        timeout_sec = 30.0
        [verifier]
        timeout_sec = 30.0
        [environment.env]
        OUT = "${AGENTINDEX_TEST_OUT}"
        """)
    task = make_task("needs-var", toml=toml, solve='echo done > "$OUT"')
    monkeypatch.delenv("AGENTINDEX_TEST_OUT", raising=False)
    first = run(task, ["oracle"], tmp_path / "jobs")
    [row] = trial_rows(first.job_dir)
    assert (row["error_class"], row["tries"], row["reward"]) == ("config", 1, None)
    assert row["score_as"] == ScoreAs.EXCLUDE
    assert row["error_message"] == (f"{task / 'task.toml'}: environment.env.OUT: "
                                    "${AGENTINDEX_TEST_OUT} is not set and has no default")

    monkeypatch.setenv("AGENTINDEX_TEST_OUT", "/app/out.txt")  # the config is fixed
    second = run(task, ["oracle"], tmp_path / "jobs")
    assert (second.total, second.skipped, second.ran) == (1, 0, 1)
    [row] = trial_rows(second.job_dir)
    assert (row["error_class"], row["reward"], row["tries"]) == (None, 1.0, 1)
    third = run(task, ["oracle"], tmp_path / "jobs")  # now done: not run again
    assert (third.skipped, third.ran) == (1, 0)
