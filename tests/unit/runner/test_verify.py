"""Reading reward.txt / reward.json exactly as the task format says."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentindex.errors import VerifierError
from agentindex.runner.verify import Expectations, check_verdict, read_reward


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


TB2 = Expectations(evidence=("/logs/verifier/ctrf.json",), reward_range=(0.0, 1.0))


@pytest.mark.parametrize(("files", "message"), [
    ({"reward.txt": "0"}, r"reward 0 without the evidence that the tests ran: "
                          r"/logs/verifier/ctrf.json is missing or empty"),
    ({"reward.txt": "1", "ctrf.json": ""}, "ctrf.json is missing or empty"),
    ({"reward.txt": "-0.5", "ctrf.json": "{}"}, r"reward -0.5 is outside the benchmark's valid "
                                                r"range \[0, 1\]"),
    ({"reward.txt": "2", "ctrf.json": "{}"}, "outside"),
])
def test_a_reward_without_evidence_or_out_of_range_is_a_verifier_error(
        tmp_path: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(VerifierError, match=message):
        check_verdict(read_reward(tmp_path), tmp_path, TB2)


def test_a_reward_with_its_evidence_stands(tmp_path: Path) -> None:
    (tmp_path / "reward.txt").write_text("0")
    (tmp_path / "ctrf.json").write_text('{"results": {}}')
    assert check_verdict(read_reward(tmp_path), tmp_path, TB2).reward == 0.0
    assert check_verdict(read_reward(tmp_path), tmp_path, Expectations()).reward == 0.0


def test_the_missing_evidence_error_quotes_test_sh_own_error(tmp_path: Path) -> None:
    (tmp_path / "reward.txt").write_text("0")
    (tmp_path / "test-stderr.txt").write_text(
        "curl: (6) Could not resolve host: astral.sh\n"
        "error: No interpreter found for Python 3.13 in managed installations or search path\n\n"
        "hint: A managed Python download is available for Python 3.13\n")
    with pytest.raises(VerifierError, match=r"is missing or empty \(test.sh: error: No "
                                            r"interpreter found for Python 3.13 in managed"):
        check_verdict(read_reward(tmp_path), tmp_path, TB2)


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
