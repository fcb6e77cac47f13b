"""A patch task's git history must not hold its answer: audit it, seal it, flag who reaches past it.

SWE-Bench Pro's images kept the repository's whole ``.git``, gold fix included, and agents read it
with ``git log --all`` / ``git show``. Three guards, all relative to the task's base commit:

- ``audit_history.sh`` (``agentindex tasks audit``) lists what in a built environment could
  reveal the fix: commits reachable from any ref, reflog or stash that are not ancestors of the
  base, refs and tags pointing at them, unreachable commit objects, remotes, and baked-in
  /solution or /tests.
- ``seal_history.sh`` (``run --seal-history``) leaves only the base's history before the agent
  starts (what DeepSWE's Dockerfiles do at build time).
- ``suspected_leaks`` flags commands that reach beyond the base (a pure function over command
  lines; which commands an agent ran comes from the harness's own log today, and from trajectory
  capture at the gateway later).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from agentindex.gateway.wire import is_shell_tool
from agentindex.sandbox import Sandbox
from agentindex.tasks.model import Task

# safe.directory: the repository may belong to another uid than the one git runs as.
GIT_ENV = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "safe.directory",
           "GIT_CONFIG_VALUE_0": "*", "GIT_AUTHOR_NAME": "agentindex",
           "GIT_AUTHOR_EMAIL": "agentindex@localhost", "GIT_COMMITTER_NAME": "agentindex",
           "GIT_COMMITTER_EMAIL": "agentindex@localhost"}


def task_base(task: Task) -> str | None:
    """The base commit the task names (``base_commit``, or DeepSWE's ``base_commit_hash``)."""
    meta = task.config.metadata
    value = meta.get("base_commit") or meta.get("base_commit_hash")
    return str(value) if value else None


def script(name: str) -> str:
    """A shipped shell script (``data/scripts/NAME.sh``): ``audit_history`` or ``seal_history``."""
    return (resources.files("agentindex") / "data" / "scripts" / f"{name}.sh").read_text()


# Option words that make `git log`-like commands walk every ref instead of HEAD.
_ALL_REFS = {"--all", "--branches", "--tags", "--remotes", "--reflog", "--glob", "-g",
             "--walk-reflogs"}
_WALKS = {"log", "rev-list", "shortlog", "show-branch", "whatchanged"}
_REVISION_COMMANDS = {"show", "checkout", "switch", "cherry-pick", "diff", "log", "reset",
                      "restore", "cat-file", "merge", "rebase", "format-patch", "ls-tree",
                      "archive", "rev-list", "rev-parse", "branch", "tag", "blame", "grep"}
_PREFIXES = {"sudo", "command", "exec", "env", "time", "nohup", "xargs"}
_SHA = re.compile(r"^[0-9a-f]{7,40}$")


@dataclass(frozen=True)
class Leak:
    command: str
    why: str


# What a revision named in a command is, relative to the base (``classify_script`` decides it in
# the sandbox): in the base's history, a commit that was there before the agent started and is not
# (the future: a leak), one the agent made itself, or nothing this repository holds.
Revision = Literal["ancestor", "future", "new", "missing", "none"]


def suspected_leaks(commands: Iterable[str], classify: Callable[[str], Revision]) -> list[Leak]:
    """Commands that reach beyond the base: ``git log --all`` (and other every-ref walks),
    ``git reflog``, ``git fsck --lost-found``/``--unreachable``, ``git fetch``/``pull``,
    ``git stash`` listings, and any revision-taking command (``show``, ``checkout``, ``diff``, ...)
    naming a revision that ``classify`` calls ``future``, or a commit id it calls ``missing`` (a
    commit the agent knew of that the base's history does not hold)."""
    found = []
    for command in map(unpacked, commands):
        for argv in git_invocations(command):
            why = _why(argv, classify)
            if why:
                found.append(Leak(command, why))
                break
    return found


def revisions_named(commands: Iterable[str]) -> list[str]:
    """Every word that a revision-taking git command in ``commands`` might read as a revision."""
    seen: dict[str, None] = {}
    for command in map(unpacked, commands):
        for argv in git_invocations(command):
            if argv[0] in _REVISION_COMMANDS:
                seen.update(dict.fromkeys(_revision_words(argv[1:])))
    return list(seen)


# ``echo <base64> | base64 -d | bash``: how the scripted models send a script (so no harness's
# command filter trips on it), and a way any agent could hide a command from a filter.
_ENCODED = re.compile(r"echo\s+(['\"]?)([A-Za-z0-9+/]+={0,2})\1\s*\|\s*base64\s+(?:-d|--decode)"
                      r"(?:\s*\|\s*(?:ba)?sh\b)?")


def unpacked(command: str) -> str:
    """``command`` with every base64-encoded script piped to a shell replaced by the script (what
    actually ran); an encoding that does not decode to text is left as it is."""
    def decode(m: re.Match[str]) -> str:
        try:
            return base64.b64decode(m.group(2), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return m.group(0)
    return _ENCODED.sub(decode, command)


def _revision_words(args: list[str]) -> list[str]:
    words = []
    for a in args:
        if a == "--":
            break
        if a.startswith("-"):
            continue
        for side in re.split(r"\.\.\.?", a.split(":")[0]):  # A..B, A...B, REV:path
            if side and re.match(r"^[\w./@{}^~-]+$", side):
                words.append(side)
    return words


def _why(argv: list[str], classify: Callable[[str], Revision]) -> str | None:
    sub, args = argv[0], argv[1:]
    if sub == "reflog":
        return "git reflog reads history beyond HEAD"
    if sub == "fsck" and {"--lost-found", "--unreachable", "--dangling"} & set(args):
        flags = " ".join(a for a in args if a.startswith("--"))
        return f"git fsck {flags} finds unreachable commits"
    if sub in ("fetch", "pull", "clone", "ls-remote"):
        return f"git {sub} reaches a remote"
    if sub == "stash" and args[:1] in (["list"], ["show"]):
        return f"git stash {args[0]} reads stashed work"
    if sub in _WALKS and any(a.split("=")[0] in _ALL_REFS for a in args):
        return f"git {sub} walks every ref"
    if sub in _REVISION_COMMANDS:
        for rev in _revision_words(args):
            kind = classify(rev)
            if kind == "future" or (kind == "missing" and _SHA.match(rev)):
                return f"git {sub} {rev}: a commit that is not in the base's history"
    return None


def git_invocations(command: str) -> list[list[str]]:
    """Every ``git SUB ...`` in a shell command line (split at ;, &&, ||, |, $( and newlines),
    with git's own options before the subcommand (``-C dir``, ``-c k=v``, ``--no-pager``)
    dropped."""
    out = []
    for part in re.split(r"&&|\|\||[;|\n]|\$\(|`", command):
        try:
            words = shlex.split(part)
        except ValueError:
            words = part.split()
        while words and (words[0] in _PREFIXES or re.match(r"^[A-Za-z_]\w*=", words[0])):
            words = words[1:]
        if not words or words[0].rsplit("/", 1)[-1] != "git":
            continue
        words = words[1:]
        while words and words[0].startswith("-"):
            words = words[2:] if words[0] in ("-C", "-c") else words[1:]
        if words:
            out.append(words)
    return out


# Before the agent: every commit any ref or reflog reaches that is not in the base's history.
FUTURE_SCRIPT = 'git rev-list --all --reflog --not "$1" 2>/dev/null; exit 0'


async def future_commits(sandbox: Sandbox, base: str, logs: Path) -> set[str]:
    """The commits beyond the base present before the agent starts (empty once sealed)."""
    out = logs / "future-commits.txt"
    await sandbox.exec(["bash", "-c", FUTURE_SCRIPT, "future", base], env=GIT_ENV, timeout=600,
                       stdout=out, stderr=logs / "future-commits.err")
    return set(out.read_text().split()) if out.is_file() else set()


async def leaks_in(sandbox: Sandbox, base: str, commands: list[str], future: set[str],
                   logs: Path) -> list[Leak]:
    """``suspected_leaks`` over ``commands``, each named revision resolved in ``sandbox``."""
    words = revisions_named(commands)
    kinds: dict[str, Revision] = {}
    if words:
        out = logs / "revisions.tsv"
        await sandbox.exec(["bash", "-c", script("classify_revisions"), "classify", base, *words],
                           env=GIT_ENV, timeout=300, stdout=out, stderr=logs / "revisions.err")
        for line in out.read_text(errors="replace").splitlines():
            word, commit, kind = [*line.split("\t"), "", ""][:3]
            kinds[word] = "ancestor" if kind == "ancestor" else "missing" if kind == "missing" \
                else "future" if commit in future else "new"
    return suspected_leaks(commands, lambda w: kinds.get(w, "none"))


def tool_command(name: str, arguments: dict[str, Any] | str) -> str | None:
    """The shell command of a tool call, if the tool is a shell: its ``command`` or ``cmd``
    argument (a string, or an argv whose ``bash -c SCRIPT`` form gives the script)."""
    if not is_shell_tool(name):
        return None
    if isinstance(arguments, str):
        return arguments
    value = arguments.get("command", arguments.get("cmd"))
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        if len(value) >= 3 and value[1] in ("-c", "-lc"):
            return str(value[2])
        return shlex.join(value)
    return None


def harness_commands(agent_logs: Path) -> list[str] | None:
    """The shell commands the agent ran, from the harness's own log where it keeps one (the
    builtin loop's ``builtin.jsonl``); None when there is none: not measured, never "no leak".
    Where the gateway captured the conversation, its tool calls are used instead (every
    harness's, see :func:`tool_command`)."""
    log = agent_logs / "builtin.jsonl"
    if not log.is_file():
        return None
    commands = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and isinstance(record.get("command"), str):
            commands.append(record["command"])
    return commands
