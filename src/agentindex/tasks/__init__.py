"""Tasks in the Harbor / Terminal-Bench 2 format, benchmarks and index definitions."""

from agentindex.tasks.loader import load_task, load_tasks_at
from agentindex.tasks.model import Task, TaskKind

__all__ = ["Task", "TaskKind", "load_task", "load_tasks_at"]
