"""Workers: run handlers for reserved jobs, retry or bury failures."""

import logging

from tinyq.scheduler import backoff

log = logging.getLogger("tinyq.worker")


class Worker:
    def __init__(self, queue):
        self.queue = queue
        self.handlers = {}

    def register(self, name: str, func) -> None:
        """Run `func(payload)` for every job called `name`."""
        self.handlers[name] = func

    def run_once(self) -> bool:
        """Process at most one job; return False when nothing was ready."""
        job = self.queue.reserve()
        if job is None:
            return False
        func = self.handlers.get(job.name)
        if func is None:
            self.queue.bury(job, f"no handler for {job.name!r}")
            return True
        try:
            func(job.payload)
        except Exception as exc:
            self._handle_failure(job, exc)
        else:
            self.queue.ack(job)
        return True

    def run(self, max_jobs: int | None = None) -> int:
        n = 0
        while (max_jobs is None or n < max_jobs) and self.run_once():
            n += 1
        return n

    def _handle_failure(self, job, exc: Exception) -> None:
        log.warning("job %s (%s) failed on attempt %d: %s", job.id, job.name, job.attempts, exc)
        if job.attempts + 1 >= job.max_attempts:
            self.queue.bury(job, repr(exc))
            return
        cfg = self.queue.config
        self.queue.retry(job, backoff(job.attempts, cfg.backoff_base, cfg.backoff_cap))
