"""Reading reward.txt / reward.json exactly as the task format says."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentindex.errors import VerifierError
from agentindex.runner.verify import read_reward


@pytest.mark.parametrize(("name", "text", "reward", "rewards"), [
    ("reward.txt", "1\n", 1.0, {"reward": 1.0}),
    ("reward.txt", " 0.25 ", 0.25, {"reward": 0.25}),
    ("reward.json", '{"reward": 1, "f2p": 1, "p2p": 0.5}', 1.0,
     {"reward": 1.0, "f2p": 1.0, "p2p": 0.5}),
    ("reward.json", '{"accuracy": 0.75}', 0.75, {"accuracy": 0.75}),
])
def test_valid_rewards(tmp_path: Path, name: str, text: str, reward: float,
                       rewards: dict[str, float]) -> None:
    (tmp_path / name).write_text(text)
    verdict = read_reward(tmp_path)
    assert verdict.reward == reward and verdict.rewards == rewards


@pytest.mark.parametrize(("name", "text", "message"), [
    (None, None, "wrote no reward"),
    ("reward.txt", "", "reward.txt is empty"),
    ("reward.txt", "\n  \n", "reward.txt is empty"),
    ("reward.txt", "nan", "not finite"),
    ("reward.txt", "inf", "not finite"),
    ("reward.txt", "passed", "not a number"),
    ("reward.json", "{", "not JSON"),
    ("reward.json", "[1]", "flat map"),
    ("reward.json", '{"reward": "1"}', "reward is not a number"),
    ("reward.json", '{"reward": true}', "reward is not a number"),
    ("reward.json", '{"reward": NaN}', "not finite"),
    ("reward.json", '{"a": 1, "b": 0}', "no 'reward' key"),
])
def test_verifier_errors(tmp_path: Path, name: str | None, text: str | None,
                         message: str) -> None:
    if name:
        (tmp_path / name).write_text(text or "")
    with pytest.raises(VerifierError, match=message):
        read_reward(tmp_path)
