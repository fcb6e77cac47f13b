"""The queue: ready heap, reserved jobs with leases, dead letters."""

import heapq
import itertools
import time

from tinyq.config import Config, load_config
from tinyq.job import Job, Priority
from tinyq.scheduler import Scheduler
from tinyq.storage import JsonFileStore


class Queue:
    def __init__(self, config: Config | None = None, clock=time.time, store=None):
        self.config = config or load_config()
        self.clock = clock
        self.store = store
        self.scheduler = Scheduler()
        self._ready = []  # (priority, seq, job)
        self._seq = itertools.count()
        self.reserved = {}  # job id -> Job
        self.dead = []
        self.done = 0

    @classmethod
    def open(cls, config: Config | None = None) -> "Queue":
        config = config or load_config()
        q = cls(config, store=JsonFileStore(config.db_path))
        for job in q.store.load():
            q._push(job)
        return q

    def enqueue(self, name: str, payload: dict, priority: int = Priority.NORMAL,
                delay: float = 0, max_attempts: int | None = None) -> Job:
        job = Job(name=name, payload=payload, priority=int(priority),
                  max_attempts=max_attempts or self.config.max_attempts)
        if delay > 0:
            self.scheduler.schedule(job, self.clock() + delay)
        else:
            self._push(job)
        self._persist()
        return job

    def _push(self, job: Job) -> None:
        job.state = "ready"
        heapq.heappush(self._ready, (job.priority, next(self._seq), job))

    def requeue_expired(self) -> int:
        """Return jobs whose lease ran out (their worker died) to the ready heap."""
        now = self.clock()
        expired = [j for j in self.reserved.values() if j.lease_expires <= now]
        for job in expired:
            del self.reserved[job.id]
            self._push(job)
        return len(expired)

    def reserve(self) -> Job | None:
        """Take the most urgent ready job and lease it to the caller."""
        self.scheduler.promote_due(self.clock(), self._push)
        self.requeue_expired()
        if not self._ready:
            return None
        _, _, job = heapq.heappop(self._ready)
        job.attempts += 1
        job.state = "reserved"
        job.lease_expires = self.clock() + self.config.visibility_timeout
        self.reserved[job.id] = job
        self._persist()
        return job

    def ack(self, job: Job) -> None:
        self.reserved.pop(job.id, None)
        job.state = "done"
        self.done += 1
        self._persist()

    def retry(self, job: Job, delay: float) -> None:
        self.reserved.pop(job.id, None)
        self.scheduler.schedule(job, self.clock() + delay)
        self._persist()

    def bury(self, job: Job, reason: str) -> None:
        self.reserved.pop(job.id, None)
        job.state = "dead"
        job.last_error = reason
        self.dead.append(job)
        self._persist()

    def stats(self) -> dict:
        return {"ready": len(self._ready), "delayed": len(self.scheduler),
                "reserved": len(self.reserved), "dead": len(self.dead), "done": self.done}

    def _persist(self) -> None:
        if self.store is None:
            return
        pending = [j for _, _, j in self._ready] + self.scheduler.jobs()
        self.store.save(pending + list(self.reserved.values()))
