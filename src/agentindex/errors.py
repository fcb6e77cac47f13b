"""Our small exception hierarchy. Foreign exceptions are translated into these at one boundary
(the trial runner), and each carries the error class that the policy table scores."""

from __future__ import annotations

from enum import StrEnum


class ErrorClass(StrEnum):
    SANDBOX = "sandbox"
    INSTALL = "install"
    UPSTREAM = "upstream"
    AGENT_TIMEOUT = "agent_timeout"
    AGENT_CRASH = "agent_crash"
    VERIFIER = "verifier"
    VERIFIER_TIMEOUT = "verifier_timeout"
    INTERNAL = "internal"
    CONFIG = "config"  # a config problem only a trial could find; fixed config: run again


class AgentIndexError(Exception):
    """Base of everything we raise on purpose; ``str(err)`` is the message a user reads."""


class ConfigError(AgentIndexError):
    """A file we read is malformed: the message names the file and the field."""

    def __init__(self, file: object, field: str | None, problem: str) -> None:
        self.file, self.field, self.problem = str(file), field, problem
        where = f"{self.file}: {field}" if field else self.file
        super().__init__(f"{where}: {problem}")


class PreflightError(ConfigError):
    """A job's config has problems found before any trial; ``problems`` holds one message each
    (each names its variant, task or flag)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        self.file, self.field, self.problem = "job config", None, "; ".join(problems)
        AgentIndexError.__init__(
            self, f"the job's config has {len(problems)} problem(s); no trial was run:\n"
            + "\n".join(f"  - {p}" for p in problems))


class TrialError(AgentIndexError):
    """A failure inside one trial; ``error_class`` decides retry and scoring."""

    error_class: ErrorClass = ErrorClass.INTERNAL

    def __init__(self, message: str, error_class: ErrorClass | None = None) -> None:
        super().__init__(message)
        if error_class is not None:
            self.error_class = error_class


class SandboxError(TrialError):
    error_class = ErrorClass.SANDBOX


class UnsupportedBySandbox(SandboxError):
    """The task asks for something this backend cannot do (or cannot enforce): a config
    problem (choose another backend), not a failure a retry could cure."""

    error_class = ErrorClass.CONFIG


class InstallError(TrialError):
    error_class = ErrorClass.INSTALL


class VerifierError(TrialError):
    error_class = ErrorClass.VERIFIER
