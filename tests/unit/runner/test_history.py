"""Which commands reach beyond a patch task's base commit (the runtime answer-leak flag)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from agentindex.runner.history import (
    Revision,
    git_invocations,
    harness_commands,
    revisions_named,
    suspected_leaks,
    unpacked,
)

FUTURE = "9f1c2ab34de56f78091a2b3c4d5e6f708192a3b4"
BASE = "1111111222222233333334444444555555566666"
MINE = "abcdefabcdefabcdefabcdefabcdefabcdefabcd"  # a commit the agent made itself
KINDS: dict[str, Revision] = {FUTURE: "future", FUTURE[:10]: "future", "future": "future",
                              BASE: "ancestor", "HEAD": "ancestor", "HEAD~2": "ancestor",
                              MINE: "new", "0123456789ab": "missing", "calc.py": "missing"}


def why(command: str) -> str | None:
    leaks = suspected_leaks([command], lambda w: KINDS.get(w, "none"))
    return leaks[0].why if leaks else None


@pytest.mark.parametrize(("command", "expected"), [
    ("git log --oneline", None),
    ("git log -p HEAD~2 -- calc.py", None),
    ("git log --all --oneline", "git log walks every ref"),
    ("cd /app && git --no-pager log --branches", "git log walks every ref"),
    ("git -C /app rev-list --all | head", "git rev-list walks every ref"),
    ("git reflog", "git reflog reads history beyond HEAD"),
    ("git reflog show master", "git reflog reads history beyond HEAD"),
    ("git fsck --lost-found", "git fsck --lost-found finds unreachable commits"),
    ("git fetch origin", "git fetch reaches a remote"),
    ("GIT_TERMINAL_PROMPT=0 git pull", "git pull reaches a remote"),
    ("git stash list", "git stash list reads stashed work"),
    (f"git show {FUTURE}", f"git show {FUTURE}: a commit that is not in the base's history"),
    (f"git show {FUTURE[:10]}:calc.py > calc.py",
     f"git show {FUTURE[:10]}: a commit that is not in the base's history"),
    (f"git checkout {FUTURE} -- calc.py",
     f"git checkout {FUTURE}: a commit that is not in the base's history"),
    ("git diff HEAD..future", "git diff future: a commit that is not in the base's history"),
    ("git show 0123456789ab", "git show 0123456789ab: a commit that is not in the base's history"),
    (f"git show {BASE}", None),
    (f"git show {MINE}", None),
    ("git show calc.py", None),
    ("git status && git diff", None),
    (f"echo git show {FUTURE}", None),
    (f"bash <<'EOF'\ncd /app\ngit show {FUTURE}:calc.py > calc.py\nEOF",
     f"git show {FUTURE}: a commit that is not in the base's history"),
])
def test_suspected_leaks(command: str, expected: str | None) -> None:
    assert why(command) == expected


def test_a_base64_encoded_script_is_checked_as_what_it_runs() -> None:
    script = f"#!/bin/bash\ncd /app\ngit show {FUTURE}:calc.py > calc.py\n"
    command = f"echo {base64.b64encode(script.encode()).decode()} | base64 -d | bash"
    (leak,) = suspected_leaks([command], lambda w: KINDS.get(w, "none"))
    assert leak.command == script  # the view shows what ran, not the encoding
    assert leak.why == f"git show {FUTURE}: a commit that is not in the base's history"
    assert revisions_named([command]) == [FUTURE, "calc.py"]  # as for the plain command
    assert unpacked("echo bm90IGJhc2U2NA=== | base64 -d") == "echo bm90IGJhc2U2NA=== | base64 -d"


def test_revisions_named_are_what_the_sandbox_resolves() -> None:
    commands = [f"git show {FUTURE}:a.py", "git log --oneline HEAD~2 -- calc.py",
                "git diff HEAD..future", "ls -la"]
    assert revisions_named(commands) == [FUTURE, "HEAD~2", "HEAD", "future"]


def test_git_invocations_drop_git_options() -> None:
    assert git_invocations("cd x; git -C /app -c a=b --no-pager log -1 | cat") == [["log", "-1"]]


def test_harness_commands_come_from_the_builtin_log(tmp_path: Path) -> None:
    assert harness_commands(tmp_path) is None  # no log: not measured, never "no leak"
    (tmp_path / "builtin.jsonl").write_text(
        json.dumps({"turn": 1, "usage": {}}) + "\n" + json.dumps({"turn": 1, "command": "ls"})
        + "\nnot json\n" + json.dumps({"turn": 2, "command": "git log"}) + "\n")
    assert harness_commands(tmp_path) == ["ls", "git log"]
