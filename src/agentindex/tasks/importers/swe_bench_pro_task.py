"""SWE-Bench Pro instances written as Harbor-format task directories.

A task grades exactly as the official ``swe_bench_pro_eval.py`` does: the agent's changes become
the patch applied to a clean checkout of the base commit; the last line of
``before_repo_set_cmd`` puts the gold test files in place; ``run_script.sh`` runs the selected
tests; ``parser.py`` reads their output; resolved iff every FAIL_TO_PASS and PASS_TO_PASS test
PASSED. The gold tests live in ``tests/`` (copied in only after the agent stops) and in the gold
commit; when the history has been sealed (the gold commit is gone), ``tests/test.patch`` from the
instances file puts the same files in place. Output is deterministic: the same input gives
byte-identical directories.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from agentindex.errors import ConfigError
from agentindex.tasks.importers.swe_bench_pro import (
    DEFAULT_DOCKERHUB_USER,
    INSTANCES_JSONL,
    Instance,
    InstanceRecord,
    load_instance,
    public_ids,
    read_records,
)

WORKDIR = "/app"
AGENT_TIMEOUT_S = 3600.0
VERIFIER_TIMEOUT_S = 3600.0  # the official evaluator gives each instance an hour
BUILD_TIMEOUT_S = 1800.0

TEST_SH = """#!/bin/bash
# SWE-Bench Pro grading of {iid}, as the official swe_bench_pro_eval.py runs it
# (written by agentindex's importer). The agent's changes become the patch the official tool
# would apply to a clean checkout of the base commit; then the gold test files, the selected
# tests (run_script.sh), the parser (parser.py) and the verdict (grade.py).
W=/tmp/agentindex-swe-bench-pro
V=/logs/verifier
mkdir -p "$V"
rm -rf "$W" && mkdir -p "$W"
cp /tests/run_script.sh /tests/parser.py "$W/"
PY=$(command -v python || command -v python3)
export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=safe.directory GIT_CONFIG_VALUE_0='*'
# ENV lines of the base and instance Dockerfiles, exported as the official entry script does
{exports}
cd {workdir}
git add -A && git diff --cached --binary {base} > "$W/patch.diff"
"$PY" /tests/grade.py strip "$W/patch.diff"
git reset --hard {base}
git checkout {base}
git apply -v "$W/patch.diff" > "$V/apply.log" 2>&1 \\
  || echo "agentindex: the agent's patch did not apply (apply.log)"
if git cat-file -e "{gold}^{{commit}}" 2>/dev/null; then
  GOLD_TESTS=checkout
  {checkout}
elif [ -f /tests/test.patch ]; then
  # the history was sealed: the same gold test files, from the instance's test patch
  GOLD_TESTS=test.patch
  "$PY" /tests/grade.py paths /tests/test.patch | while IFS= read -r f; do
    git checkout {base} -- "$f" 2>/dev/null || rm -f -- "$f"
  done
  git apply /tests/test.patch
else
  echo "agentindex: the gold commit {gold} is not in the repository" \\
    "and there is no tests/test.patch" >&2
  exit 1
fi
bash "$W/run_script.sh" {selected} > "$W/stdout.log" 2> "$W/stderr.log"
"$PY" "$W/parser.py" "$W/stdout.log" "$W/stderr.log" "$W/output.json"
cp "$W/stdout.log" "$W/stderr.log" "$V/"
cp "$W/output.json" "$V/" 2>/dev/null
"$PY" /tests/grade.py verdict /tests/config.json "$W/output.json" "$V" "$GOLD_TESTS"
"""

SOLVE_SH = """#!/bin/bash
# The gold patch of {iid}, from the instances file.
set -euo pipefail
cd {workdir}
git apply -v /solution/gold.patch
"""


@dataclass(frozen=True)
class ImportResult:
    """Which instances became tasks, and why the others did not (instance id, reason)."""

    written: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]
    grading_only: bool


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


def env_exports(*dockerfiles: Path) -> list[str]:
    """``ENV`` lines turned into ``export`` lines, word for word as the official entry script
    turns them."""
    lines = []
    for path in dockerfiles:
        for line in path.read_text(encoding="utf-8").split("\n"):
            line = line.strip()
            if line.startswith("ENV"):
                lines.append(line.replace("ENV", "export", 1))
    return lines


def task_toml(inst: Instance) -> str:
    language = inst.problem.language if inst.problem and inst.problem.language else None
    keywords = ["swe-bench-pro"] + ([language] if language else [])
    lines = [
        'schema_version = "1.1"', "", "[task]",
        f"name = {_toml_str('swe-bench-pro/' + inst.instance_id)}",
        f"description = {_toml_str(f'SWE-Bench Pro instance of {inst.repo}')}",
        f"keywords = [{', '.join(_toml_str(k) for k in keywords)}]", "", "[metadata]",
        'kind = "patch"', 'source = "scaleapi/SWE-bench_Pro-os"',
        f"instance_id = {_toml_str(inst.instance_id)}", f"repository = {_toml_str(inst.repo)}",
        f"base_commit = {_toml_str(inst.base_commit)}",
        f"gold_commit = {_toml_str(inst.gold_commit)}",
        f"gold_tests = {_toml_str(inst.checkout_source)}",
    ]
    if language:
        lines.append(f"language = {_toml_str(language)}")
    lines += ["", "[verifier]", f"timeout_sec = {VERIFIER_TIMEOUT_S}", "", "[agent]",
              f"timeout_sec = {AGENT_TIMEOUT_S}", "", "[environment]",
              f"build_timeout_sec = {BUILD_TIMEOUT_S}",
              f"docker_image = {_toml_str(inst.image)}", "allow_internet = false", ""]
    return "\n".join(lines)


def test_sh(inst: Instance) -> str:
    exports = env_exports(inst.base_dockerfile / "Dockerfile",
                          inst.instance_dockerfile / "Dockerfile")
    # Joined with commas and left unquoted, as the official entry script passes them.
    selected = ",".join(inst.selected_tests)
    return TEST_SH.format(iid=inst.instance_id, exports="\n".join(exports), workdir=WORKDIR,
                          base=inst.base_commit, gold=inst.gold_commit,
                          checkout=inst.checkout_line, selected=selected)


def grading_config(inst: Instance) -> str:
    config = {"instance_id": inst.instance_id, "repo": inst.repo,
              "base_commit": inst.base_commit, "gold_commit": inst.gold_commit,
              "fail_to_pass": list(inst.fail_to_pass), "pass_to_pass": list(inst.pass_to_pass),
              "selected_test_files_to_run": list(inst.selected_tests),
              "checkout_line": inst.checkout_line, "checkout_source": inst.checkout_source,
              "image": inst.image}
    return json.dumps(config, indent=2, ensure_ascii=False) + "\n"


def _grader_source() -> str:
    path = resources.files("agentindex") / "data" / "importers" / "swe_bench_pro" / "grade.py"
    return path.read_text(encoding="utf-8")


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    os.chmod(path, mode)


def _copy_tree(src: Path, dest: Path) -> None:
    """Files only, in sorted order, with normalised modes: no timestamps or owners leak in."""
    for f in sorted(p for p in src.rglob("*") if p.is_file()):
        target = dest / f.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target)
        os.chmod(target, 0o755 if os.access(f, os.X_OK) else 0o644)


def write_task(inst: Instance, dest: Path) -> None:
    """The task directory of one instance at ``dest`` (replaced whole if it exists)."""
    tmp = dest.with_name(f".{dest.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    _write(tmp / "task.toml", task_toml(inst))
    _write(tmp / "environment" / "Dockerfile",
           f"# SWE-Bench Pro's official image for {inst.instance_id}. swe-bench-pro/ holds the\n"
           f"# base and instance Dockerfiles it was built from, for sites that build their own.\n"
           f"FROM {inst.image}\nWORKDIR {WORKDIR}\n")
    _copy_tree(inst.base_dockerfile, tmp / "environment" / "swe-bench-pro" / "base_dockerfile")
    _copy_tree(inst.instance_dockerfile,
               tmp / "environment" / "swe-bench-pro" / "instance_dockerfile")
    tests = tmp / "tests"
    _write(tests / "test.sh", test_sh(inst), 0o755)
    _write(tests / "run_script.sh", inst.run_script, 0o755)
    _write(tests / "parser.py", inst.parser)
    _write(tests / "grade.py", _grader_source())
    _write(tests / "config.json", grading_config(inst))
    if inst.problem is not None:
        _write(tmp / "instruction.md", inst.problem.prompt)
        _write(tmp / "solution" / "solve.sh",
               SOLVE_SH.format(iid=inst.instance_id, workdir=WORKDIR), 0o755)
        _write(tmp / "solution" / "gold.patch", inst.problem.gold_patch)
        if inst.problem.test_patch.strip():
            _write(tests / "test.patch", inst.problem.test_patch)
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)


def import_swe_bench_pro(src: Path, out: Path, *, instances: Path | None = None,
                         ids: Sequence[str] | None = None, grading_only: bool = False,
                         user: str = DEFAULT_DOCKERHUB_USER) -> ImportResult:
    """Write a task directory per instance under ``out``; an instance whose input is broken is
    reported (with the file and field) and skipped, never half-written.

    ``instances`` defaults to the copy's own JSONL. Without one, only ``grading_only`` imports
    are possible: ``tests/`` and ``environment/`` from the per-instance files, no prompt or
    solution (those are only in the JSONL), over every public instance of the copy.
    """
    path = instances or (src / INSTANCES_JSONL)
    records: dict[str, InstanceRecord] = {}
    if path.is_file() and not grading_only:
        records = read_records(path)
    elif not grading_only:
        raise ConfigError(path, None, "missing: the prompts and gold patches are only in the "
                                      "instances file (give it with --instances, or use "
                                      "--grading-only to build the grading part alone)")
    wanted = list(ids) if ids is not None else sorted(records) if records else public_ids(src)
    out.mkdir(parents=True, exist_ok=True)
    written, failed = [], []
    for iid in wanted:
        if records and iid not in records:
            failed.append((iid, f"{path}: {iid}: not in the instances file"))
            continue
        try:
            write_task(load_instance(src, iid, records.get(iid), user), out / iid)
        except ConfigError as e:
            failed.append((iid, str(e)))
            continue
        written.append(iid)
    return ImportResult(tuple(written), tuple(failed), grading_only)
