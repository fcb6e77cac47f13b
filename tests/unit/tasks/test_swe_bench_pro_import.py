"""The SWE-Bench Pro importer on a release written here: image names, input checks naming the
instance and field, byte-identical re-imports, the grading part from per-instance files alone,
and the verdict rule (every FAIL_TO_PASS and PASS_TO_PASS test PASSED)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentindex.errors import ConfigError
from agentindex.tasks.importers.swe_bench_pro import gold_commit, image_uri, read_info
from agentindex.tasks.importers.swe_bench_pro_task import import_swe_bench_pro
from agentindex.tasks.loader import load_task
from tests.swe_bench_pro_fixture import write_release

SHA = "ec0f940ef0e8e3b61078f145f34dc40d1938e6c5"


@pytest.mark.parametrize(("iid", "repo", "image"), [
    (f"instance_NodeBB__NodeBB-{SHA}-vnan", "NodeBB/NodeBB",
     f"u/sweap-images:nodebb.nodebb-NodeBB__NodeBB-{SHA}"),
    (f"instance_ansible__ansible-{SHA}-v1055803c3a812189a1133297f7f5468579283f86",
     "ansible/ansible",
     f"u/sweap-images:ansible.ansible-ansible__ansible-{SHA}"
     "-v1055803c3a812189a1133297f7f5468579283f86"),
    (f"instance_future-architect__vuls-{SHA}", "future-architect/vuls",
     f"u/sweap-images:future-architect.vuls-future-architect__vuls-{SHA}"),
    (f"instance_element-hq__element-web-{SHA[::-1]}-vnan", "element-hq/element-web",
     f"u/sweap-images:element-hq.element-element-hq__element-web-{SHA[::-1]}"),
    # the one element-web image uploaded under its full name, -vnan kept
    (f"instance_element-hq__element-web-{SHA}-vnan", "element-hq/element-web",
     f"u/sweap-images:element-hq.element-web-element-hq__element-web-{SHA}-vnan"),
])
def test_image_uri_follows_the_official_rule(iid: str, repo: str, image: str) -> None:
    assert image_uri(iid, repo, "u") == image


def test_image_tag_is_cut_at_128_characters() -> None:
    iid = f"instance_qutebrowser__qutebrowser-{SHA}-v2ef375ac784985212b1805e1d0431dc8f1b3c171"
    tag = image_uri(iid, "qutebrowser/qutebrowser", "u").split(":", 1)[1]
    assert len(tag) == 128 and tag.endswith("-v2ef375ac784985212b1805e1d0431dc8f1b3c")


def test_gold_commit_is_named_by_the_id() -> None:
    assert gold_commit(f"instance_a__b-{SHA}-vnan") == SHA
    assert gold_commit(f"instance_a__b-{SHA}") == SHA
    with pytest.raises(ValueError, match="instance_<org>__<repo>-<commit>"):
        gold_commit("instance_a__b-1234")


@pytest.fixture
def release(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    root.mkdir()
    write_release(root)
    return root


def _tree(root: Path) -> dict[str, tuple[int, bytes]]:
    return {p.relative_to(root).as_posix(): (p.stat().st_mode, p.read_bytes())
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_import_is_byte_identical_and_loads(release: Path, tmp_path: Path) -> None:
    first = import_swe_bench_pro(release, tmp_path / "a")
    import_swe_bench_pro(release, tmp_path / "b")
    again = import_swe_bench_pro(release, tmp_path / "a")  # over its own earlier output
    assert len(first.written) == 3 and not first.failed and again.written == first.written
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    for iid in first.written:
        task = load_task(tmp_path / "a" / iid)
        assert task.kind.value == "patch" and task.name == f"swe-bench-pro/{iid}"
        assert task.instruction.endswith("New interfaces introduced:\n"
                                         "No new interfaces are introduced.")
        assert "Requirements:\n- Keep the public API" in task.instruction
        assert task.config.environment.docker_image == image_uri(
            iid, task.config.metadata["repository"], "jefzda")
        config = json.loads((task.tests_dir / "config.json").read_text())
        assert config["checkout_source"] == "before_repo_set_cmd"
        assert config["checkout_line"].startswith(f"git checkout {gold_commit(iid)} -- tests/")
        # the gold tests are hidden in tests/, the gold patch is the oracle's
        assert (task.tests_dir / "test.patch").read_text().startswith("diff --git a/tests/")
        assert "/solution/gold.patch" in (task.solution_dir / "solve.sh").read_text()
        kept = task.environment_dir / "swe-bench-pro"
        assert (kept / "base_dockerfile" / "Dockerfile").is_file()
        assert (kept / "instance_dockerfile" / "Dockerfile").read_text().startswith(
            "FROM localhost/base_agentindex__")
        assert "export PYTHONDONTWRITEBYTECODE=1" in (task.tests_dir / "test.sh").read_text()


def test_grading_part_from_per_instance_files_alone(release: Path, tmp_path: Path) -> None:
    (release / "helper_code" / "sweap_eval_full_v2.jsonl").unlink()
    with pytest.raises(ConfigError, match=r"sweap_eval_full_v2\.jsonl: missing: the prompts"):
        import_swe_bench_pro(release, tmp_path / "out")
    result = import_swe_bench_pro(release, tmp_path / "out", grading_only=True)
    assert len(result.written) == 3 and not result.failed
    task = tmp_path / "out" / result.written[0]
    config = json.loads((task / "tests" / "config.json").read_text())
    assert config["fail_to_pass"] == ["tests/test_stats.py::test_median_even"]
    assert config["checkout_source"] == "reconstructed"
    assert config["checkout_line"].startswith(f"git diff --name-only -z {config['base_commit']}")
    assert not (task / "instruction.md").exists() and not (task / "solution").exists()


def test_broken_input_names_instance_and_field(release: Path, tmp_path: Path) -> None:
    jsonl = release / "helper_code" / "sweap_eval_full_v2.jsonl"
    lines = jsonl.read_text().splitlines()
    record = json.loads(lines[1])
    iid = record["instance_id"]
    record["fail_to_pass"] = "not a list"
    jsonl.write_text("\n".join([lines[0], json.dumps(record), lines[2]]) + "\n")
    with pytest.raises(ConfigError, match=rf"jsonl:2: {iid}: fail_to_pass: Value error, not a "
                                          "list encoded as JSON"):
        import_swe_bench_pro(release, tmp_path / "out")
    del record["before_repo_set_cmd"]
    record["fail_to_pass"] = "[]"
    jsonl.write_text("\n".join([lines[0], json.dumps(record), lines[2]]) + "\n")
    with pytest.raises(ConfigError, match=rf"jsonl:2: {iid}: before_repo_set_cmd: Field "
                                          "required"):
        import_swe_bench_pro(release, tmp_path / "out")
    jsonl.write_text("\n".join(lines) + "\n")
    first = json.loads(lines[0])["instance_id"]
    (release / "run_scripts" / first / "parser.py").unlink()
    result = import_swe_bench_pro(release, tmp_path / "out")
    assert len(result.written) == 2
    assert result.failed == ((first, f"{release}/run_scripts/{first}/parser.py: {first}: "
                                     "parser.py: missing"),)
    assert not (tmp_path / "out" / first).exists()


def test_instance_info_errors_name_the_key(tmp_path: Path) -> None:
    info = tmp_path / "instance_info.txt"
    info.write_text(f"Instance ID: x\nRepository: a/b\nBase Commit: {SHA}\nTest Files: []\n"
                    "FAIL_TO_PASS: [\"t\"\nPASS_TO_PASS: []\n")
    with pytest.raises(ConfigError, match=r"instance_info\.txt: FAIL_TO_PASS: not a list"):
        read_info(info)
    info.write_text(f"Instance ID: x\nRepository: a/b\nBase Commit: {SHA}\n")
    with pytest.raises(ConfigError, match=r"instance_info\.txt: Test Files: missing"):
        read_info(info)


GRADER = (Path(__file__).resolve().parents[3] / "src" / "agentindex" / "data" / "importers"
          / "swe_bench_pro" / "grade.py")


def _grade(tmp_path: Path, tests: list[dict[str, str]] | str) -> tuple[int, Path]:
    config = {"instance_id": "i", "fail_to_pass": ["f1", "f2"], "pass_to_pass": ["p1", "p2"]}
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "output.json").write_text(
        tests if isinstance(tests, str) else json.dumps({"tests": tests}))
    out = tmp_path / "verifier"
    out.mkdir(exist_ok=True)
    done = subprocess.run([sys.executable, str(GRADER), "verdict", str(tmp_path / "config.json"),
                           str(tmp_path / "output.json"), str(out), "checkout"],
                          capture_output=True, text=True, env={**os.environ})
    return done.returncode, out


def test_verdict_needs_every_graded_test_passed(tmp_path: Path) -> None:
    passed = [{"name": n, "status": "PASSED"} for n in ("f1", "f2", "p1", "p2", "other")]
    code, out = _grade(tmp_path, passed)
    assert code == 0 and json.loads((out / "reward.json").read_text()) == {
        "fail_to_pass": 1.0, "pass_to_pass": 1.0, "reward": 1.0}
    # a broken P2P test, a skipped F2P test, an unreported P2P test; a repeat that passed wins
    tests = [{"name": "f1", "status": "FAILED"}, {"name": "f1", "status": "PASSED"},
             {"name": "f2", "status": "SKIPPED"}, {"name": "p1", "status": "FAILED"}]
    code, out = _grade(tmp_path, tests)
    assert code == 0
    assert json.loads((out / "reward.json").read_text()) == {
        "fail_to_pass": 0.5, "pass_to_pass": 0.0, "reward": 0.0}
    verdict = json.loads((out / "verdict.json").read_text())
    assert verdict["resolved"] is False and verdict["failed"] == ["f2", "p1", "p2"]
    assert verdict["pass_to_pass"] == [{"name": "p1", "status": "FAILED"},
                                       {"name": "p2", "status": "MISSING"}]


def test_unusable_parser_output_writes_no_reward(tmp_path: Path) -> None:
    code, out = _grade(tmp_path, "{not json")
    assert code == 3 and not (out / "reward.json").exists()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agentindex.cli", "datasets", "import",
                           "swe-bench-pro", *args], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "300"})


def test_cli_imports_a_subset_and_reports_errors(release: Path, tmp_path: Path) -> None:
    ids = [json.loads(line)["instance_id"] for line in
           (release / "helper_code" / "sweap_eval_full_v2.jsonl").read_text().splitlines()]
    manifest = {"format": "agentindex.subset/1", "name": "s", "label": "S", "rule": "r",
                "key": "k", "runs": [], "population": 3,
                "source": {"git": "https://example.invalid/x.git", "rev": "0" * 40},
                "instances": [{"id": ids[1], "solved_by": 0, "results": 0, "tie_break": "0"}]}
    (tmp_path / "subset.json").write_text(json.dumps(manifest))
    done = _cli(str(release), str(tmp_path / "out"), "--ids", str(tmp_path / "subset.json"))
    assert done.returncode == 0, done.stderr
    assert "1 tasks written" in done.stdout and "0 instance(s) failed" in done.stdout
    assert [p.name for p in (tmp_path / "out").iterdir()] == [ids[1]]
    (release / "run_scripts" / ids[0] / "run_script.sh").unlink()
    done = _cli(str(release), str(tmp_path / "out2"))
    assert done.returncode == 1
    assert f"FAIL {ids[0]}: {release}/run_scripts/{ids[0]}/run_script.sh: {ids[0]}: " \
        "run_script.sh: missing" in done.stdout
    (release / "helper_code" / "sweap_eval_full_v2.jsonl").unlink()
    done = _cli(str(release), str(tmp_path / "out3"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "sweap_eval_full_v2.jsonl: missing: the prompts" in done.stderr
