"""SWE-Bench Pro's public release (``scaleapi/SWE-bench_Pro-os``) read into instances.

A copy of the release holds, per public instance ``<id>`` (the folder names under
``dockerfiles/base_dockerfile/``):

- ``run_scripts/<id>/run_script.sh``, ``parser.py`` and ``instance_info.txt`` (repository, base
  commit, the selected test files, FAIL_TO_PASS and PASS_TO_PASS);
- ``dockerfiles/base_dockerfile/<id>/`` and ``dockerfiles/instance_dockerfile/<id>/``;

and, when it was obtainable, the instances file ``helper_code/sweap_eval_full_v2.jsonl`` with the
prompt, the gold patch, the test patch and ``before_repo_set_cmd``. The grading part of a task is
built from the per-instance files alone; the prompt and the reference solution need the JSONL.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator

from agentindex.errors import ConfigError

INSTANCES_JSONL = Path("helper_code") / "sweap_eval_full_v2.jsonl"
BASE_DOCKERFILES = Path("dockerfiles") / "base_dockerfile"
INSTANCE_DOCKERFILES = Path("dockerfiles") / "instance_dockerfile"
RUN_SCRIPTS = Path("run_scripts")
# The Docker Hub account the public images are published under (the official evaluator takes it
# as --dockerhub_username).
DEFAULT_DOCKERHUB_USER = "jefzda"
MAX_TAG = 128  # Docker's limit on a tag's length
_GOLD = re.compile(r"-([0-9a-f]{40})(?:-v[0-9a-z]+)?$")
_SHA = re.compile(r"^[0-9a-f]{40}$")


def _string_list(value: Any) -> list[str]:
    """A list of strings, or one encoded as JSON or as a Python literal (the release does both;
    the official evaluator ``eval``s it)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            try:
                value = ast.literal_eval(value)
            except (ValueError, SyntaxError):
                raise ValueError("not a list encoded as JSON or a Python literal") from None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of strings")
    return value


class InstanceRecord(BaseModel):
    """One line of the instances JSONL; fields we do not use are tolerated."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    instance_id: str
    repo: str
    base_commit: str
    problem_statement: str
    requirements: str = ""
    interface: str = ""
    patch: str
    test_patch: str = ""
    fail_to_pass: list[str] = Field(validation_alias=AliasChoices("fail_to_pass",
                                                                  "FAIL_TO_PASS"))
    pass_to_pass: list[str] = Field(validation_alias=AliasChoices("pass_to_pass",
                                                                  "PASS_TO_PASS"))
    selected_test_files_to_run: list[str]
    before_repo_set_cmd: str
    repo_language: str | None = None

    @field_validator("fail_to_pass", "pass_to_pass", "selected_test_files_to_run", mode="before")
    @classmethod
    def _lists(cls, v: Any) -> list[str]:
        return _string_list(v)

    @field_validator("base_commit")
    @classmethod
    def _sha(cls, v: str) -> str:
        if not _SHA.match(v):
            raise ValueError("not a 40-hex commit")
        return v

    @field_validator("before_repo_set_cmd", "patch")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("empty")
        return v


@dataclass(frozen=True)
class InstanceInfo:
    """``run_scripts/<id>/instance_info.txt``."""

    instance_id: str
    repo: str
    base_commit: str
    test_files: tuple[str, ...]
    fail_to_pass: tuple[str, ...]
    pass_to_pass: tuple[str, ...]


_INFO_KEYS = {"Instance ID": "instance_id", "Repository": "repo", "Base Commit": "base_commit",
              "Test Files": "test_files", "FAIL_TO_PASS": "fail_to_pass",
              "PASS_TO_PASS": "pass_to_pass"}


def read_info(path: Path) -> InstanceInfo:
    """Parse ``Key: value`` lines; list values are JSON. Errors name the file and the key."""
    if not path.is_file():
        raise ConfigError(path, None, "missing")
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition(": ")
        if sep and key in _INFO_KEYS:
            values[_INFO_KEYS[key]] = value.strip()
    missing = [k for k, v in _INFO_KEYS.items() if v not in values]
    if missing:
        raise ConfigError(path, missing[0], "missing")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("test_files", "fail_to_pass", "pass_to_pass"):
        try:
            lists[key] = tuple(_string_list(values[key]))
        except ValueError as e:
            label = next(k for k, v in _INFO_KEYS.items() if v == key)
            raise ConfigError(path, label, str(e)) from None
    if not _SHA.match(values["base_commit"]):
        raise ConfigError(path, "Base Commit", "not a 40-hex commit")
    return InstanceInfo(values["instance_id"], values["repo"], values["base_commit"], **lists)


def read_records(path: Path) -> dict[str, InstanceRecord]:
    """The instances JSONL by instance id; an error names the line, the instance and the field."""
    records: dict[str, InstanceRecord] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as e:
            raise ConfigError(where, None, f"not JSON: {e}") from None
        if not isinstance(raw, dict):
            raise ConfigError(where, None, "not a JSON object")
        iid = raw.get("instance_id") if isinstance(raw.get("instance_id"), str) else "?"
        try:
            record = InstanceRecord.model_validate(raw)
        except ValidationError as e:
            first = e.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise ConfigError(where, f"{iid}: {field}", first["msg"]) from None
        if record.instance_id in records:
            raise ConfigError(where, f"{iid}: instance_id", "appears twice")
        records[record.instance_id] = record
    return records


def gold_commit(instance_id: str) -> str:
    """The fix commit an instance id names (``instance_<org>__<repo>-<sha>[-v<version>]``)."""
    m = _GOLD.search(instance_id)
    if not instance_id.startswith("instance_") or "__" not in instance_id or not m:
        raise ValueError(f"{instance_id!r} is not an id of the form "
                         "instance_<org>__<repo>-<commit>[-v<version>]")
    return m.group(1)


def image_uri(instance_id: str, repo: str, user: str = DEFAULT_DOCKERHUB_USER) -> str:
    """The official image: ``<user>/sweap-images:<org>.<repo>-<id without instance_>``, lower-case
    org and repo, the ``-vnan`` suffix dropped, at most 128 characters. element-web images are
    published as ``element`` (one instance kept its full name when they were uploaded)."""
    org, _, name = repo.lower().partition("/")
    rest = instance_id.removeprefix("instance_")
    if instance_id == ("instance_element-hq__element-web-"
                       "ec0f940ef0e8e3b61078f145f34dc40d1938e6c5-vnan"):
        name = "element-web"
    elif org == "element-hq" and name == "element-web":
        name = "element"
        rest = rest.removesuffix("-vnan")
    else:
        rest = rest.removesuffix("-vnan")
    return f"{user}/sweap-images:{f'{org}.{name}-{rest}'[:MAX_TAG]}"


@dataclass(frozen=True)
class Problem:
    """What only the instances JSONL holds: the prompt and the patches."""

    prompt: str
    gold_patch: str
    test_patch: str
    language: str | None


@dataclass(frozen=True)
class Instance:
    """Everything one task is made of. ``checkout_line`` puts the gold test files in place before
    the tests run: the last line of ``before_repo_set_cmd`` (``checkout_source`` =
    ``before_repo_set_cmd``) or, without the JSONL, a reconstruction from the selected test files
    (``reconstructed``)."""

    instance_id: str
    repo: str
    base_commit: str
    gold_commit: str
    fail_to_pass: tuple[str, ...]
    pass_to_pass: tuple[str, ...]
    selected_tests: tuple[str, ...]
    checkout_line: str
    checkout_source: str
    image: str
    run_script: str
    parser: str
    base_dockerfile: Path
    instance_dockerfile: Path
    problem: Problem | None


def prompt_of(record: InstanceRecord) -> str:
    """The prompt as the release builds it (problem statement, requirements, new interfaces)."""
    return (f"{record.problem_statement}\n\nRequirements:\n{record.requirements}\n\n"
            f"New interfaces introduced:\n{record.interface}")


def reconstructed_checkout(base: str, gold: str, selected: tuple[str, ...]) -> str:
    """Without ``before_repo_set_cmd``: check out from the gold commit the files it changed
    among the selected test paths and Go test files (``*_test.go``; Go instances select tests
    by name, not path). Test fixtures elsewhere are missed: an approximation, marked as one."""
    paths = " ".join(shlex.quote(p) for p in (*selected, "*_test.go"))
    return (f"git diff --name-only -z {base} {gold} -- {paths} "
            f"| xargs -0 -r git checkout {gold} --")


def _read(path: Path, iid: str, field: str) -> str:
    if not path.is_file():
        raise ConfigError(path, f"{iid}: {field}", "missing")
    return path.read_text(encoding="utf-8")


def load_instance(src: Path, iid: str, record: InstanceRecord | None,
                  user: str = DEFAULT_DOCKERHUB_USER) -> Instance:
    """One instance from the copy at ``src`` (and its JSONL record, when there is one)."""
    scripts = src / RUN_SCRIPTS / iid
    run_script = _read(scripts / "run_script.sh", iid, "run_script.sh")
    parser = _read(scripts / "parser.py", iid, "parser.py")
    base_df, inst_df = src / BASE_DOCKERFILES / iid, src / INSTANCE_DOCKERFILES / iid
    for d, field in ((base_df, "base_dockerfile"), (inst_df, "instance_dockerfile")):
        _read(d / "Dockerfile", iid, field)
    try:
        gold = gold_commit(iid)
    except ValueError as e:
        raise ConfigError(src / BASE_DOCKERFILES / iid, f"{iid}: instance_id", str(e)) from None
    if record is not None:
        last = record.before_repo_set_cmd.strip().split("\n")[-1]
        problem = Problem(prompt_of(record), record.patch, record.test_patch,
                          record.repo_language)
        return Instance(iid, record.repo, record.base_commit, gold, tuple(record.fail_to_pass),
                        tuple(record.pass_to_pass), tuple(record.selected_test_files_to_run),
                        last, "before_repo_set_cmd", image_uri(iid, record.repo, user),
                        run_script, parser, base_df, inst_df, problem)
    info = read_info(scripts / "instance_info.txt")
    if info.instance_id != iid:
        raise ConfigError(scripts / "instance_info.txt", "Instance ID",
                          f"{info.instance_id!r} in the folder of {iid}")
    return Instance(iid, info.repo, info.base_commit, gold, info.fail_to_pass,
                    info.pass_to_pass, info.test_files,
                    reconstructed_checkout(info.base_commit, gold, info.test_files),
                    "reconstructed", image_uri(iid, info.repo, user), run_script, parser,
                    base_df, inst_df, None)


def public_ids(src: Path) -> list[str]:
    """The public instances of a copy: the folders under ``dockerfiles/base_dockerfile``."""
    folder = src / BASE_DOCKERFILES
    if not folder.is_dir():
        raise ConfigError(folder, None, "missing: not a copy of SWE-bench_Pro-os")
    return sorted(p.name for p in folder.iterdir() if p.is_dir())
