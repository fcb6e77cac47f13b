"""Persistence of unfinished jobs in one JSON file."""

import json
import os
import tempfile

from tinyq.job import Job


class JsonFileStore:
    def __init__(self, path: str):
        self.path = path

    def load(self) -> list[Job]:
        if not os.path.exists(self.path):
            return []
        with open(self.path, encoding="utf-8") as f:
            return [Job.from_dict(d) for d in json.load(f)]

    def save(self, jobs: list[Job]) -> None:
        # Write a sibling temp file and rename it over the old one, so a crash
        # mid-write never leaves a truncated database behind.
        folder = os.path.dirname(os.path.abspath(self.path))
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump([j.to_dict() for j in jobs], f)
        os.replace(tmp, self.path)
