"""QnA tasks ask for the answer in ``/logs/agent/answer.txt``. A harness that only prints its
answer leaves that file missing; then its final message (from its own report) is written there
before grading, and the trial is marked ``answer_extracted``."""

from __future__ import annotations

from pathlib import Path

from agentindex.agents import SelfReport
from agentindex.sandbox import Sandbox
from agentindex.tasks.model import Task, TaskKind

ANSWER = "/logs/agent/answer.txt"
_STAGED = "/tmp/agentindex-answer"


async def extract_answer(sandbox: Sandbox, task: Task, report: SelfReport | None,
                         logs: Path) -> bool:
    """Write the agent's final message to ``ANSWER`` if the task is a QnA task, the file is
    missing or empty and the harness reported a final message; True if it did."""
    if task.kind is not TaskKind.QNA or report is None or not report.final_message:
        return False
    probe = await sandbox.exec(["test", "-s", ANSWER], env={}, timeout=30,
                               stdout=logs / "answer-probe.out", stderr=logs / "answer-probe.err")
    if probe.exit_code == 0:
        return False
    staged = logs / "extracted-answer"
    staged.mkdir(parents=True, exist_ok=True)
    (staged / "answer.txt").write_text(report.final_message + "\n", encoding="utf-8")
    await sandbox.put(staged, _STAGED)
    # (what ``put`` placed may be a read-only mount: it is left where it is)
    copied = await sandbox.exec(["sh", "-c", f"mkdir -p /logs/agent && cp {_STAGED}/answer.txt "
                                             f"{ANSWER}"], env={}, timeout=30,
                                stdout=logs / "answer-copy.out", stderr=logs / "answer-copy.err")
    return copied.exit_code == 0
