"""The error policy table: which classes are retried, how each is scored."""

from __future__ import annotations

import pytest

from agentindex.errors import ErrorClass
from agentindex.runner.policy import DEFAULT_POLICY, Policy, ScoreAs


def test_every_error_class_has_a_rule() -> None:
    assert set(DEFAULT_POLICY) == set(ErrorClass)


@pytest.mark.parametrize(("error", "tries_done", "retry"), [
    (None, 1, False),
    (ErrorClass.SANDBOX, 1, True), (ErrorClass.SANDBOX, 2, True), (ErrorClass.SANDBOX, 3, False),
    (ErrorClass.UPSTREAM, 2, True), (ErrorClass.UPSTREAM, 3, False),
    (ErrorClass.VERIFIER, 1, True), (ErrorClass.VERIFIER, 2, False),
    (ErrorClass.AGENT_TIMEOUT, 1, False), (ErrorClass.AGENT_CRASH, 1, False),
    (ErrorClass.INSTALL, 1, False), (ErrorClass.INTERNAL, 1, False),
    (ErrorClass.CONFIG, 1, False),
])
def test_default_retries(error: ErrorClass | None, tries_done: int, retry: bool) -> None:
    assert Policy.with_overrides().should_retry(error, tries_done) is retry


def test_scoring() -> None:
    p = Policy.with_overrides()
    assert p.score_as(None) is ScoreAs.REWARD
    assert p.score_as(ErrorClass.AGENT_TIMEOUT) is ScoreAs.REWARD  # a slow solve still counts
    assert p.score_as(ErrorClass.VERIFIER_TIMEOUT) is ScoreAs.ZERO
    assert p.score_as(ErrorClass.SANDBOX) is ScoreAs.EXCLUDE
    assert p.score_as(ErrorClass.CONFIG) is ScoreAs.EXCLUDE  # a config problem is no score


def test_overrides_change_only_what_they_name() -> None:
    p = Policy.with_overrides({"agent_timeout": {"retries": 2, "score_as": ScoreAs.ZERO}})
    assert p.should_retry(ErrorClass.AGENT_TIMEOUT, 2)
    assert p.score_as(ErrorClass.AGENT_TIMEOUT) is ScoreAs.ZERO
    assert p.rules[ErrorClass.SANDBOX] == DEFAULT_POLICY[ErrorClass.SANDBOX]
    with pytest.raises(ValueError):
        Policy.with_overrides({"gremlins": {"retries": 1}})
