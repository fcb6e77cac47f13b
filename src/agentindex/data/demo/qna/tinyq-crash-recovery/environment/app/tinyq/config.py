"""Settings, read once from the environment."""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    db_path: str = "tinyq.json"
    # Seconds a reserved job stays invisible to other workers. A worker that
    # neither acks nor fails a job within this time is presumed dead.
    visibility_timeout: float = 30.0
    max_attempts: int = 3
    backoff_base: float = 2.0
    backoff_cap: float = 300.0
    admin_token: str = ""
    admin_port: int = 8765


def load_config(env=None) -> Config:
    env = os.environ if env is None else env
    return Config(
        db_path=env.get("TINYQ_DB_PATH", "tinyq.json"),
        visibility_timeout=float(env.get("TINYQ_VISIBILITY_TIMEOUT", "30")),
        max_attempts=int(env.get("TINYQ_MAX_ATTEMPTS", "3")),
        backoff_base=float(env.get("TINYQ_BACKOFF_BASE", "2")),
        backoff_cap=float(env.get("TINYQ_BACKOFF_CAP", "300")),
        admin_token=env.get("TINYQ_ADMIN_TOKEN", ""),
        admin_port=int(env.get("TINYQ_ADMIN_PORT", "8765")),
    )
