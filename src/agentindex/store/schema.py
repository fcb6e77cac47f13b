"""The results database, SQLAlchemy Core. One row per finished trial (committed with its
artifacts), one per failed try that was retried, one per model call. ``SCHEMA_VERSION`` goes in
``meta``.

The ``variants``, ``trials``, ``tries`` and ``calls`` columns are derived from the results
models (:mod:`agentindex.results`): a scalar field is a typed column, a nested one (a model, a
dict, a list) a JSON column. A field added to a model is a column here with no other edit (and
a new ``SCHEMA_VERSION``).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from typing import Any

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
from sqlalchemy.types import TypeEngine

from agentindex.results import CallRecord, FailedTry, TrialResult, VariantInfo
from agentindex.results.base import Record

# 2: trials gained format, benchmark and task_path (TrialResult); tries are FailedTry rows.
# 3: trials gained self_report_error and limits_not_enforced.
# 4: trials gained host and node_id (where the trial ran: a Ray executor's node).
# 5: calls gained phase (agent | grading); trials gained judge_model and answer_extracted.
# 6: calls gained queue_s (the wait for a local model).
# 7: trials gained suspected_leaks (commands that reached beyond the base commit).
# 8: trials gained refused_tool_calls, calls gained trajectory_line (trajectory capture).
# 9: trials gained environment (the image it ran, a stand-in's base, clamped limits).
SCHEMA_VERSION = 9

# What moves a store from one version to the next (the step is one transaction).
MIGRATIONS: dict[int, list[str]] = {
    2: ["ALTER TABLE trials ADD COLUMN self_report_error TEXT",
        "ALTER TABLE trials ADD COLUMN limits_not_enforced JSON NOT NULL DEFAULT '[]'"],
    3: ["ALTER TABLE trials ADD COLUMN host VARCHAR",
        "ALTER TABLE trials ADD COLUMN node_id VARCHAR"],
    4: ["ALTER TABLE calls ADD COLUMN phase VARCHAR NOT NULL DEFAULT 'agent'",
        "ALTER TABLE trials ADD COLUMN judge_model VARCHAR",
        "ALTER TABLE trials ADD COLUMN answer_extracted BOOLEAN NOT NULL DEFAULT 0"],
    5: ["ALTER TABLE calls ADD COLUMN queue_s FLOAT"],
    6: ["ALTER TABLE trials ADD COLUMN suspected_leaks JSON"],
    7: ["ALTER TABLE trials ADD COLUMN refused_tool_calls INTEGER",
        "ALTER TABLE calls ADD COLUMN trajectory_line INTEGER"],
    8: ["ALTER TABLE trials ADD COLUMN environment JSON"],
}

_SQL_TYPES: dict[Any, type[TypeEngine[Any]]] = {str: String, int: Integer, float: Float,
                                                bool: Boolean}
_LONG_TEXT = {"error_message", "error", "task_path", "self_report_error"}


def _column_type(annotation: Any) -> tuple[type[TypeEngine[Any]], bool]:
    """(SQL type, nullable) of a model field's annotation: ``X | None`` is nullable X; a str,
    int, float or bool is its SQL type, anything else JSON."""
    args = typing.get_args(annotation)
    nullable = isinstance(annotation, types.UnionType) and type(None) in args
    inner = [a for a in args if a is not type(None)] if nullable else [annotation]
    base = inner[0] if len(inner) == 1 else None
    return _SQL_TYPES.get(base, JSON), nullable


def model_columns(model: type[Record], *, primary_key: Iterable[str] = (),
                  exclude: Iterable[str] = (), indexed: Iterable[str] = ()) -> list[Column[Any]]:
    """One column per field of ``model`` (in field order) except ``exclude``."""
    keys, skip, index = set(primary_key), set(exclude), set(indexed)
    cols: list[Column[Any]] = []
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        sql, nullable = _column_type(field.annotation)
        if name in _LONG_TEXT and sql is String:
            sql = Text
        cols.append(Column(name, sql, primary_key=name in keys,
                           nullable=nullable and name not in keys, index=name in index))
    return cols


metadata = MetaData()

meta = Table(
    "meta", metadata,
    Column("key", String, primary_key=True),
    Column("value", JSON, nullable=False),
)

variants = Table("variants", metadata, *model_columns(VariantInfo, primary_key=["variant_key"]))

job_tasks = Table(
    "job_tasks", metadata,
    Column("benchmark", String, primary_key=True),
    Column("task_digest", String, primary_key=True),
    Column("task_name", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("path", Text, nullable=False),
)

# The variant is in ``variants`` and the failed tries in ``tries``: a trial row holds the rest.
TRIAL_EXCLUDED = ("variant", "failed_tries")
trials = Table("trials", metadata,
               *model_columns(TrialResult, primary_key=["trial_id"], exclude=TRIAL_EXCLUDED,
                              indexed=["variant_key", "task_digest"]))

tries = Table("tries", metadata, Column("trial_id", String, primary_key=True),
              *model_columns(FailedTry, primary_key=["try_no"]))

calls = Table("calls", metadata,
              *model_columns(CallRecord, primary_key=["trial_id", "try_no", "seq"]))
