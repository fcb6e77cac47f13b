"""Reading the verifier's verdict exactly as the task format says."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from agentindex.errors import VerifierError


@dataclass(frozen=True)
class Verdict:
    reward: float
    rewards: dict[str, float]


# What a grader writes when it broke itself (DeepSWE's test.sh traps its own failure and writes
# it): a sentinel, never a score.
GRADER_FAILED = -1.0


def read_reward(verifier_dir: Path, score_key: str | None = None) -> Verdict:
    """``reward.txt`` (one number) or ``reward.json`` (a flat map of finite numbers, kept whole;
    the benchmark's ``score_key``, else its ``reward`` key, else its only key, is the reward).
    Missing, empty or non-finite is an error, and so is the grader's own failure sentinel -1."""
    verdict = _read(verifier_dir, score_key)
    if verdict.reward == GRADER_FAILED:
        raise VerifierError("the grader reported its own failure (reward -1): "
                            "see verifier/test-stdout.txt")
    return verdict


def _read(verifier_dir: Path, score_key: str | None) -> Verdict:
    txt, js = verifier_dir / "reward.txt", verifier_dir / "reward.json"
    if txt.is_file():
        text = txt.read_text(errors="replace").strip()
        if not text:
            raise VerifierError("reward.txt is empty")
        try:
            value = float(text)
        except ValueError:
            raise VerifierError(f"reward.txt is not a number: {text[:80]!r}") from None
        return Verdict(_finite(value, "reward.txt"), {"reward": value})
    if js.is_file():
        return _from_json(js, score_key)
    raise VerifierError("the verifier wrote no reward (/logs/verifier/reward.txt or reward.json)")


def _from_json(path: Path, score_key: str | None = None) -> Verdict:
    try:
        data = json.loads(path.read_text(errors="replace"))
    except json.JSONDecodeError as e:
        raise VerifierError(f"reward.json is not JSON: {e}") from None
    if not isinstance(data, dict) or not data:
        raise VerifierError("reward.json must be a non-empty flat map of name -> number")
    values: dict[str, float] = {}
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise VerifierError(f"reward.json: {key} is not a number: {value!r}")
        values[key] = _finite(float(value), f"reward.json: {key}")
    if score_key is not None:
        if score_key not in values:
            raise VerifierError(f"reward.json has no {score_key!r} key, the benchmark's score "
                                f"(keys: {', '.join(sorted(values))})")
        return Verdict(values[score_key], values)
    if "reward" in values:
        return Verdict(values["reward"], values)
    if len(values) == 1:
        return Verdict(next(iter(values.values())), values)
    raise VerifierError("reward.json has several values and no 'reward' key")


def _finite(value: float, where: str) -> float:
    if not math.isfinite(value):
        raise VerifierError(f"{where} is not finite: {value}")
    return value
