"""Delayed jobs: held here until their run time, then promoted to ready."""

import heapq
import itertools


def backoff(attempt: int, base: float = 2.0, cap: float = 300.0) -> float:
    """Delay before retry number `attempt` (1-based): base**attempt, capped."""
    return min(cap, base ** attempt)


class Scheduler:
    def __init__(self):
        self._heap = []  # (run_at, seq, job)
        self._seq = itertools.count()

    def __len__(self) -> int:
        return len(self._heap)

    def schedule(self, job, run_at: float) -> None:
        job.state = "delayed"
        heapq.heappush(self._heap, (run_at, next(self._seq), job))

    def promote_due(self, now: float, push) -> int:
        """Hand every job whose run time has come to `push`; return how many."""
        moved = 0
        while self._heap and self._heap[0][0] <= now:
            _, _, job = heapq.heappop(self._heap)
            push(job)
            moved += 1
        return moved

    def jobs(self):
        return [job for _, _, job in self._heap]
