"""The results database's tables. One row per finished trial (committed with its artifacts), one
per failed try that was retried, one per model call, and one per call of a try a kill interrupted
(``interrupted_calls``: salvaged from the try's staged ``calls.jsonl`` when the job resumes, so
the spend is kept although the trial ran again). A result that a re-run replaces (its error class
is run again) keeps its calls in ``superseded_calls``: they were made and paid for.
``SCHEMA_VERSION`` goes in ``meta``.

The ``variants``, ``trials``, ``tries``, ``calls`` and ``interrupted_calls`` columns are derived
from the results models (:mod:`agentindex.results`): a scalar field is a typed column, a nested
one (a model, a dict, a list) a JSON column. A field added to a model is a column here with no
other edit (and a new ``SCHEMA_VERSION``).

The declared types are those the store has always had (``VARCHAR``, ``TEXT``, ``INTEGER``,
``FLOAT``, ``BOOLEAN``, ``JSON``): SQLite gives them its usual affinities, a JSON value is kept as
its ``json.dumps`` text (``None`` as ``'null'``) and a boolean as 0 or 1.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

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
# 10: interrupted_calls (calls of tries a kill interrupted, salvaged when the job resumes).
# 11: superseded_calls (calls of a result a re-run replaced).
SCHEMA_VERSION = 11

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
    9: [],  # interrupted_calls is a new table: created (empty) on open, like any missing table
    10: [],  # superseded_calls, likewise
}

JSON = "JSON"
_SQL_TYPES: dict[Any, str] = {str: "VARCHAR", int: "INTEGER", float: "FLOAT", bool: "BOOLEAN"}
_LONG_TEXT = {"error_message", "error", "task_path", "self_report_error"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # the declared SQL type: VARCHAR, TEXT, INTEGER, FLOAT, BOOLEAN or JSON
    nullable: bool = True
    primary_key: bool = False
    index: bool = False

    def ddl(self) -> str:
        return f'"{self.name}" {self.type}' + ("" if self.nullable else " NOT NULL")


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @cached_property
    def json_columns(self) -> frozenset[str]:
        return frozenset(c.name for c in self.columns if c.type == JSON)

    @property
    def primary_key(self) -> list[str]:
        return [c.name for c in self.columns if c.primary_key]

    def ddl(self) -> list[str]:
        """The statements that create the table and its indexes."""
        keys = ", ".join(f'"{k}"' for k in self.primary_key)
        body = ",\n\t".join([*(c.ddl() for c in self.columns), f"PRIMARY KEY ({keys})"])
        return [f'CREATE TABLE "{self.name}" (\n\t{body}\n)',
                *(f'CREATE INDEX "ix_{self.name}_{c.name}" ON "{self.name}" ("{c.name}")'
                  for c in self.columns if c.index)]


def _column_type(annotation: Any) -> tuple[str, bool]:
    """(SQL type, nullable) of a model field's annotation: ``X | None`` is nullable X; a str,
    int, float or bool is its SQL type, anything else JSON."""
    args = typing.get_args(annotation)
    nullable = isinstance(annotation, types.UnionType) and type(None) in args
    inner = [a for a in args if a is not type(None)] if nullable else [annotation]
    base = inner[0] if len(inner) == 1 else None
    return _SQL_TYPES.get(base, JSON), nullable


def model_columns(model: type[Record], *, primary_key: Iterable[str] = (),
                  exclude: Iterable[str] = (), indexed: Iterable[str] = ()) -> list[Column]:
    """One column per field of ``model`` (in field order) except ``exclude``."""
    keys, skip, index = set(primary_key), set(exclude), set(indexed)
    cols: list[Column] = []
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        sql, nullable = _column_type(field.annotation)
        if name in _LONG_TEXT and sql == "VARCHAR":
            sql = "TEXT"
        cols.append(Column(name, sql, primary_key=name in keys,
                           nullable=nullable and name not in keys, index=name in index))
    return cols


meta = Table("meta", (Column("key", "VARCHAR", nullable=False, primary_key=True),
                      Column("value", JSON, nullable=False)))

variants = Table("variants", tuple(model_columns(VariantInfo, primary_key=["variant_key"])))

job_tasks = Table("job_tasks", (
    Column("benchmark", "VARCHAR", nullable=False, primary_key=True),
    Column("task_digest", "VARCHAR", nullable=False, primary_key=True),
    Column("task_name", "VARCHAR", nullable=False),
    Column("kind", "VARCHAR", nullable=False),
    Column("path", "TEXT", nullable=False),
))

# The variant is in ``variants`` and the failed tries in ``tries``: a trial row holds the rest.
TRIAL_EXCLUDED = ("variant", "failed_tries")
trials = Table("trials", tuple(model_columns(
    TrialResult, primary_key=["trial_id"], exclude=TRIAL_EXCLUDED,
    indexed=["variant_key", "task_digest"])))

tries = Table("tries", (Column("trial_id", "VARCHAR", nullable=False, primary_key=True),
                        *model_columns(FailedTry, primary_key=["try_no"])))

calls = Table("calls", tuple(model_columns(CallRecord,
                                           primary_key=["trial_id", "try_no", "seq"])))

# Keyed by the call's start time too: a trial killed again after it resumed numbers its calls
# from 1 again, and salvaging the same staged file twice (a kill during the resume) adds nothing.
interrupted_calls = Table("interrupted_calls", tuple(model_columns(
    CallRecord, primary_key=["trial_id", "try_no", "seq", "started_at"])))

# Same key: a trial re-run twice numbers its calls from 1 each time.
superseded_calls = Table("superseded_calls", tuple(model_columns(
    CallRecord, primary_key=["trial_id", "try_no", "seq", "started_at"])))

TABLES: dict[str, Table] = {t.name: t for t in (meta, variants, job_tasks, trials, tries, calls,
                                                interrupted_calls, superseded_calls)}
