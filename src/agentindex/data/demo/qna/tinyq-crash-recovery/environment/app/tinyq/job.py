"""The job record and its priorities."""

import enum
import itertools
import time
from dataclasses import dataclass, field

_ids = itertools.count(1)


class Priority(enum.IntEnum):
    # Lower value = served first (the ready queue is a min-heap).
    HIGH = 0
    NORMAL = 5
    LOW = 9


@dataclass
class Job:
    name: str
    payload: dict
    priority: int = Priority.NORMAL
    max_attempts: int = 3
    id: int = field(default_factory=lambda: next(_ids))
    attempts: int = 0
    state: str = "ready"  # ready | delayed | reserved | done | dead
    enqueued_at: float = field(default_factory=time.time)
    lease_expires: float = 0.0
    last_error: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict) -> "Job":
        return cls(**data)
