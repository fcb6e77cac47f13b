"""A small SWE-Bench Pro release written here, in the official layout and JSONL shape.

Three instances, each over its own tiny git repository (base commit, then the gold commit with
the fix and its tests), with a run script and a parser in the official style, and base/instance
Dockerfiles buildable from Debian packages (``FROM localhost/debian:bookworm`` + apt). The third
instance's image drops the gold commit from its history, as a sealed image would. Commits have
fixed authors and dates, so their ids are the same on every run.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

BASE_IMAGE = "localhost/debian:bookworm"
FIXTURE_USER = "localhost/agentindex-fixture"
_GIT_ENV = {"GIT_AUTHOR_NAME": "fixture", "GIT_AUTHOR_EMAIL": "fixture@localhost",
            "GIT_COMMITTER_NAME": "fixture", "GIT_COMMITTER_EMAIL": "fixture@localhost",
            "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
            "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}

RUN_SCRIPT = """#!/bin/bash
### COMMON SETUP; DO NOT MODIFY ###
set -e

run_all_tests() {
  python3 -m pytest -rA -p no:cacheprovider tests || true
}

run_selected_tests() {
  local test_files=("$@")
  echo "Running selected tests: ${test_files[@]}"
  python3 -m pytest -rA -p no:cacheprovider "${test_files[@]}" || true
}

if [ $# -eq 0 ]; then
  run_all_tests
  exit $?
fi

if [[ "$1" == *","* ]]; then
  IFS=',' read -r -a TEST_FILES <<< "$1"
else
  TEST_FILES=("$@")
fi

run_selected_tests "${TEST_FILES[@]}"
"""

PARSER = '''"""Test results parser (fixture, in the official parser.py shape)."""
import json
import re
import sys


def parse(stdout):
    tests = []
    for line in stdout.splitlines():
        m = re.match(r"^(PASSED|FAILED|ERROR|SKIPPED) (\\S+::\\S+)", line)
        if m:
            tests.append({"name": m.group(2), "status": m.group(1)})
    return tests


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print("Usage: python parser.py <stdout_file> <stderr_file> <output_json>")
        sys.exit(1)
    with open(sys.argv[1]) as f:
        results = parse(f.read())
    with open(sys.argv[3], "w") as f:
        json.dump({"tests": results}, f, indent=2)
'''


@dataclass(frozen=True)
class Spec:
    """One instance: module source at base and gold, tests at base and gold."""

    repo: str
    module: str
    base_src: str
    gold_src: str
    base_tests: str
    gold_tests: str
    fail_to_pass: tuple[str, ...]
    pass_to_pass: tuple[str, ...]
    problem: str
    sealed: bool = False


SPECS = (
    Spec("agentindex/mathkit", "mathkit/stats.py",
         "def mean(xs):\n    return sum(xs) / len(xs)\n\n\n"
         "def median(xs):\n    s = sorted(xs)\n    return s[len(s) // 2]\n",
         "def mean(xs):\n    return sum(xs) / len(xs)\n\n\n"
         "def median(xs):\n    s = sorted(xs)\n    n = len(s)\n"
         "    if n % 2:\n        return s[n // 2]\n    return (s[n // 2 - 1] + s[n // 2]) / 2\n",
         "from mathkit.stats import mean, median\n\n\n"
         "def test_mean():\n    assert mean([1, 2, 3]) == 2\n\n\n"
         "def test_median_odd():\n    assert median([3, 1, 2]) == 2\n",
         "from mathkit.stats import mean, median\n\n\n"
         "def test_mean():\n    assert mean([1, 2, 3]) == 2\n\n\n"
         "def test_median_odd():\n    assert median([3, 1, 2]) == 2\n\n\n"
         "def test_median_even():\n    assert median([4, 1, 3, 2]) == 2.5\n",
         ("tests/test_stats.py::test_median_even",),
         ("tests/test_stats.py::test_mean", "tests/test_stats.py::test_median_odd"),
         "median() of an even-length list returns the upper middle element instead of the "
         "mean of the two middle elements."),
    Spec("agentindex/textkit", "textkit/slug.py",
         "def slugify(text):\n    return text.lower().replace(' ', '-')\n",
         "import re\n\n\ndef slugify(text):\n"
         "    return re.sub(r'[^a-z0-9]+', '-', text.lower()).strip('-')\n",
         "from textkit.slug import slugify\n\n\n"
         "def test_simple():\n    assert slugify('Hello World') == 'hello-world'\n",
         "from textkit.slug import slugify\n\n\n"
         "def test_simple():\n    assert slugify('Hello World') == 'hello-world'\n\n\n"
         "def test_punctuation():\n    assert slugify('Hello, World!') == 'hello-world'\n",
         ("tests/test_slug.py::test_punctuation",), ("tests/test_slug.py::test_simple",),
         "slugify() keeps punctuation: 'Hello, World!' should become 'hello-world'."),
    Spec("agentindex/unitconv", "unitconv/temp.py",
         "def c_to_f(c):\n    return c * 9 / 5 + 23\n",
         "def c_to_f(c):\n    return c * 9 / 5 + 32\n",
         "from unitconv.temp import c_to_f\n\n\n"
         "def test_scale():\n    assert c_to_f(10) - c_to_f(0) == 18\n",
         "from unitconv.temp import c_to_f\n\n\n"
         "def test_scale():\n    assert c_to_f(10) - c_to_f(0) == 18\n\n\n"
         "def test_freezing():\n    assert c_to_f(0) == 32\n",
         ("tests/test_temp.py::test_freezing",), ("tests/test_temp.py::test_scale",),
         "c_to_f(0) returns 23; water freezes at 32 degrees Fahrenheit.", sealed=True),
)


@dataclass(frozen=True)
class FixtureInstance:
    instance_id: str
    repo: str
    base_commit: str
    gold_commit: str
    base_tag: str
    sealed: bool


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, **_GIT_ENV}
    out = subprocess.run(["git", "-C", str(repo), *args], env=env, check=True,
                         capture_output=True, text=True)
    return out.stdout.strip()


def _commit(repo: Path, files: dict[str, str], message: str) -> str:
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD")


def _make_repo(work: Path, spec: Spec) -> tuple[str, str, str, str]:
    """(base, gold, gold patch, test patch) of a new repository at ``work``."""
    work.mkdir(parents=True)
    _git(work, "init", "-q", "-b", "main")
    pkg = spec.module.split("/")[0]
    test_file = "tests/" + spec.fail_to_pass[0].split("::")[0].split("/")[-1]
    base = _commit(work, {f"{pkg}/__init__.py": "", spec.module: spec.base_src,
                          test_file: spec.base_tests}, "base")
    gold = _commit(work, {spec.module: spec.gold_src, test_file: spec.gold_tests}, "fix")
    gold_patch = _git(work, "diff", base, gold, "--", spec.module) + "\n"
    test_patch = _git(work, "diff", base, gold, "--", test_file) + "\n"
    return base, gold, gold_patch, test_patch


def _base_dockerfile() -> str:
    return textwrap.dedent(f"""\
        FROM {BASE_IMAGE}
        RUN apt-get update && apt-get install -y --no-install-recommends git python3 \\
            python3-pytest python-is-python3 && rm -rf /var/lib/apt/lists/*
        RUN mkdir /app
        WORKDIR /app
        COPY repo.bundle /tmp/repo.bundle
        RUN git clone -q /tmp/repo.bundle . && rm /tmp/repo.bundle
        ENTRYPOINT ["/bin/bash"]
        """)


def _instance_dockerfile(base_tag: str, base: str, sealed: bool) -> str:
    seal = ("RUN cd /app && git remote remove origin && git reflog expire --expire=now --all "
            "&& git gc -q --prune=now\n") if sealed else ""
    return (f"FROM {base_tag}\n\nENV PYTHONDONTWRITEBYTECODE=1\n\n"
            f"RUN cd /app && git reset -q --hard {base} && git clean -fdx "
            f"&& git checkout -q {base}\n{seal}")


def write_release(root: Path) -> list[FixtureInstance]:
    """The release under ``root`` (helper_code/, run_scripts/, dockerfiles/)."""
    records, made = [], []
    for spec in SPECS:
        org, name = spec.repo.split("/")
        base, gold, gold_patch, test_patch = _make_repo(root / ".repos" / name, spec)
        iid = f"instance_{org}__{name}-{gold}-vnan"
        base_tag = f"localhost/base_{org}__{name}"
        scripts = root / "run_scripts" / iid
        scripts.mkdir(parents=True)
        (scripts / "run_script.sh").write_text(RUN_SCRIPT)
        (scripts / "parser.py").write_text(PARSER)
        test_file = spec.fail_to_pass[0].split("::")[0]
        (scripts / "instance_info.txt").write_text(
            f"Instance ID: {iid}\nRepository: {spec.repo}\nBase Commit: {base}\n"
            f"Test Files: {json.dumps([test_file])}\n"
            f"FAIL_TO_PASS: {json.dumps(list(spec.fail_to_pass))}\n"
            f"PASS_TO_PASS: {json.dumps(list(spec.pass_to_pass))}")
        base_dir = root / "dockerfiles" / "base_dockerfile" / iid
        base_dir.mkdir(parents=True)
        (base_dir / "Dockerfile").write_text(_base_dockerfile())
        _git(root / ".repos" / name, "bundle", "create", "-q", str(base_dir / "repo.bundle"),
             "--all")
        inst_dir = root / "dockerfiles" / "instance_dockerfile" / iid
        inst_dir.mkdir(parents=True)
        (inst_dir / "Dockerfile").write_text(_instance_dockerfile(base_tag, base, spec.sealed))
        records.append({
            "repo": spec.repo, "instance_id": iid, "base_commit": base, "patch": gold_patch,
            "test_patch": test_patch, "problem_statement": spec.problem,
            "requirements": f"- Keep the public API of `{spec.module}` unchanged.",
            "interface": "No new interfaces are introduced.", "repo_language": "python",
            "fail_to_pass": json.dumps(list(spec.fail_to_pass)),
            "pass_to_pass": json.dumps(list(spec.pass_to_pass)),
            "issue_specificity": "[\"minor_bug\"]", "issue_categories": "[\"core_feat\"]",
            "before_repo_set_cmd": (f"git reset --hard {base}\ngit clean -fd \n"
                                    f"git checkout {base} \ngit checkout {gold} -- {test_file}"),
            "selected_test_files_to_run": json.dumps([test_file]),
        })
        made.append(FixtureInstance(iid, spec.repo, base, gold, base_tag, spec.sealed))
    (root / "helper_code").mkdir()
    (root / "helper_code" / "sweap_eval_full_v2.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in records))
    return made


def build_images(root: Path, instances: list[FixtureInstance], user: str = FIXTURE_USER,
                 engine: str = "podman") -> None:
    """Build each instance's image as a site that builds its own would: the base Dockerfile,
    then the instance Dockerfile on it, tagged with the official image name under ``user``."""
    from agentindex.tasks.importers.swe_bench_pro import image_uri

    for inst in instances:
        for kind, tag in (("base", inst.base_tag),
                          ("instance", image_uri(inst.instance_id, inst.repo, user))):
            context = root / "dockerfiles" / f"{kind}_dockerfile" / inst.instance_id
            subprocess.run([engine, "build", "-q", "-t", tag, str(context)], check=True,
                           capture_output=True, text=True, timeout=900)
