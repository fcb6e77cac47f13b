"""tinyq: a tiny job queue."""

from tinyq.config import Config, load_config
from tinyq.job import Job, Priority
from tinyq.queue import Queue
from tinyq.worker import Worker

__all__ = ["Config", "Job", "Priority", "Queue", "Worker", "load_config"]
