"""The error policy: one declarative table says, per error class, how often a trial is retried and
how a trial that ends with that error is scored.

Scoring: ``reward`` uses the verifier's reward (a timed-out agent may still have solved the task);
``zero`` counts it as 0; ``exclude`` leaves it out of the score and shows it as errored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from agentindex.errors import ErrorClass


class ScoreAs(StrEnum):
    REWARD = "reward"
    ZERO = "zero"
    EXCLUDE = "exclude"


@dataclass(frozen=True)
class Rule:
    retries: int
    score_as: ScoreAs
    infra: bool  # an infrastructure failure, not the agent's


DEFAULT_POLICY: dict[ErrorClass, Rule] = {
    ErrorClass.SANDBOX: Rule(retries=2, score_as=ScoreAs.EXCLUDE, infra=True),
    ErrorClass.INSTALL: Rule(retries=0, score_as=ScoreAs.EXCLUDE, infra=True),
    ErrorClass.UPSTREAM: Rule(retries=2, score_as=ScoreAs.EXCLUDE, infra=True),
    ErrorClass.AGENT_TIMEOUT: Rule(retries=0, score_as=ScoreAs.REWARD, infra=False),
    ErrorClass.AGENT_CRASH: Rule(retries=0, score_as=ScoreAs.REWARD, infra=False),
    ErrorClass.VERIFIER: Rule(retries=1, score_as=ScoreAs.EXCLUDE, infra=True),
    ErrorClass.VERIFIER_TIMEOUT: Rule(retries=1, score_as=ScoreAs.ZERO, infra=False),
    ErrorClass.INTERNAL: Rule(retries=0, score_as=ScoreAs.EXCLUDE, infra=True),
    # Not retried (the same config fails the same way), excluded, shown; and not "done": a
    # re-run after the config is fixed runs the trial again (runner/job.py).
    ErrorClass.CONFIG: Rule(retries=0, score_as=ScoreAs.EXCLUDE, infra=True),
}


@dataclass(frozen=True)
class Policy:
    rules: dict[ErrorClass, Rule]

    @classmethod
    def with_overrides(cls, overrides: dict[str, dict[str, object]] | None = None) -> Policy:
        rules = dict(DEFAULT_POLICY)
        for name, fields in (overrides or {}).items():
            rules[ErrorClass(name)] = replace(rules[ErrorClass(name)], **fields)  # type: ignore[arg-type]
        return cls(rules)

    def should_retry(self, error: ErrorClass | None, tries_done: int) -> bool:
        return error is not None and tries_done <= self.rules[error].retries

    def score_as(self, error: ErrorClass | None) -> ScoreAs:
        return ScoreAs.REWARD if error is None else self.rules[error].score_as
