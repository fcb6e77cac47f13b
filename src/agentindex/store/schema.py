"""The results database, SQLAlchemy Core. One row per finished trial (committed with its artifacts),
one per failed try that was retried, one per model call. ``SCHEMA_VERSION`` goes in ``meta``."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

SCHEMA_VERSION = 2  # 2: trials.suspected_leaks

metadata = MetaData()

meta = Table(
    "meta", metadata,
    Column("key", String, primary_key=True),
    Column("value", JSON, nullable=False),
)

variants = Table(
    "variants", metadata,
    Column("variant_key", String, primary_key=True),
    Column("label", String, nullable=False),
    Column("agent", String, nullable=False),
    Column("agent_version", String),
    Column("model", String),
    Column("settings", JSON, nullable=False),
)

job_tasks = Table(
    "job_tasks", metadata,
    Column("benchmark", String, primary_key=True),
    Column("task_digest", String, primary_key=True),
    Column("task_name", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("path", Text, nullable=False),
)

trials = Table(
    "trials", metadata,
    Column("trial_id", String, primary_key=True),
    Column("variant_key", String, nullable=False, index=True),
    Column("task_digest", String, nullable=False, index=True),
    Column("task_name", String, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("reward", Float),  # None when the verifier gave none
    Column("rewards", JSON),  # every value of reward.json
    Column("error_class", String),  # None for a clean trial
    Column("error_message", Text),
    Column("score_as", String, nullable=False),  # reward | zero | exclude, from the policy
    Column("tries", Integer, nullable=False),
    Column("agent_exit_code", Integer),
    Column("agent_timed_out", Boolean, nullable=False),
    Column("started_at", Float, nullable=False),  # unix time
    Column("finished_at", Float, nullable=False),
    Column("install_s", Float),  # installing the agent (≈0 once it is in the cache)
    Column("env_s", Float),
    Column("agent_s", Float),
    Column("verify_s", Float),
    Column("self_report", JSON),
    Column("suspected_leaks", JSON),  # [{command, why}]; NULL: the harness kept no command log
)

tries = Table(
    "tries", metadata,
    Column("trial_id", String, primary_key=True),
    Column("try_no", Integer, primary_key=True),
    Column("error_class", String, nullable=False),
    Column("error_message", Text),
    Column("started_at", Float, nullable=False),
    Column("finished_at", Float, nullable=False),
)

calls = Table(
    "calls", metadata,
    Column("trial_id", String, primary_key=True),
    Column("try_no", Integer, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("protocol", String, nullable=False),
    Column("provider", String, nullable=False),
    Column("model", String, nullable=False),
    Column("started_at", Float, nullable=False),
    Column("first_byte_at", Float),
    Column("ended_at", Float),
    Column("status", Integer),
    Column("input", Integer),
    Column("cache_read", Integer),
    Column("cache_write_5m", Integer),
    Column("cache_write_1h", Integer),
    Column("output", Integer),
    Column("reasoning", Integer),
    Column("tools_offered", Boolean, nullable=False),
    Column("tool_digest", String),
    Column("error", Text),
)
