"""A try's trajectory file: the shell commands it gathers for the leak check, and a call that
ends after the try was stopped (Ctrl-C) is dropped instead of raising on a closed file."""

from __future__ import annotations

import io

from agentindex.results.trajectory import ToolCallEvent, parse_events
from agentindex.runner.metering import _TrajectoryFile


def _call(name: str, arguments: dict[str, object] | str, seq: int = 1) -> ToolCallEvent:
    return ToolCallEvent(try_no=1, seq=seq, at=0.0, name=name, arguments=arguments,
                         call_id=f"c{seq}")


def test_shell_commands_of_every_harness_are_gathered() -> None:
    out = io.StringIO()
    traj = _TrajectoryFile(out)
    first = traj.write([_call("Bash", {"command": "git log --all"}),
                        _call("exec_command", {"cmd": "ls"}, 2),
                        _call("shell", {"command": ["bash", "-lc", "git show abc"]}, 3),
                        _call("shell", {"command": ["git", "status", "-s"]}, 4),
                        _call("run_shell_command", {"command": "cat a"}, 5),
                        _call("read_file", {"path": "x"}, 6)])
    assert first == 2
    assert traj.commands == ["git log --all", "ls", "git show abc", "git status -s", "cat a"]
    assert len(list(parse_events(out.getvalue().splitlines(), "t.jsonl"))) == 6


def test_a_call_ending_after_the_try_is_dropped() -> None:
    out = io.StringIO()
    traj = _TrajectoryFile(out)
    out.close()
    assert traj.write([_call("Bash", {"command": "ls"})]) is None
    assert traj.commands == []
