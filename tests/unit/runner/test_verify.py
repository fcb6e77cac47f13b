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


def test_the_benchmark_score_key_picks_the_reward_and_all_keys_are_kept(tmp_path: Path) -> None:
    (tmp_path / "reward.json").write_text('{"reward": 0, "f2p": 0.5, "partial": 0.75}')
    verdict = read_reward(tmp_path, score_key="partial")
    assert verdict.reward == 0.75
    assert verdict.rewards == {"reward": 0.0, "f2p": 0.5, "partial": 0.75}
    with pytest.raises(VerifierError) as e:
        read_reward(tmp_path, score_key="resolved")
    assert str(e.value) == ("reward.json has no 'resolved' key, the benchmark's score "
                            "(keys: f2p, partial, reward)")


@pytest.mark.parametrize(("name", "text"), [("reward.txt", "-1\n"),
                                            ("reward.json", '{"reward": -1, "f2p": 0}')])
def test_minus_one_is_the_graders_own_failure(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(VerifierError) as e:
        read_reward(tmp_path)
    assert str(e.value).startswith("the grader reported its own failure (reward -1)")
