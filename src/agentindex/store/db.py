"""Open the store and write to it. Each finished trial is one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, insert, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from agentindex.errors import ConfigError
from agentindex.store import schema
from agentindex.store.records import TrialRecord, TryRecord

STORE_FILE = "results.sqlite"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL + synchronous=FULL: a commit that returned survives kill -9 and power loss alike.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


class Store:
    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        schema.metadata.create_all(self.engine)
        version = self.get_meta("schema_version")
        if version == 1:  # schema 2 only added calls.queue_s
            with self.engine.begin() as c:
                c.exec_driver_sql("ALTER TABLE calls ADD COLUMN queue_s FLOAT")
            self.set_meta("schema_version", version := 2)
        if version is None:
            self.set_meta("schema_version", schema.SCHEMA_VERSION)
        elif version != schema.SCHEMA_VERSION:
            raise ConfigError(url, "meta.schema_version",
                              f"store has schema {version}, this agentindex reads "
                              f"{schema.SCHEMA_VERSION}")

    @classmethod
    def in_job(cls, job_dir: Path) -> Store:
        return cls(f"sqlite:///{job_dir / STORE_FILE}")

    def close(self) -> None:
        self.engine.dispose()

    def get_meta(self, key: str) -> Any:
        with self.engine.connect() as c:
            return c.execute(select(schema.meta.c.value).where(schema.meta.c.key == key)) \
                .scalar_one_or_none()

    def set_meta(self, key: str, value: Any) -> None:
        with self.engine.begin() as c:
            c.execute(_upsert(schema.meta, ["key"], {"key": key, "value": value}))

    def put_job_rows(self, variants: Iterable[Mapping[str, Any]],
                     tasks: Iterable[Mapping[str, Any]]) -> None:
        with self.engine.begin() as c:
            for v in variants:
                c.execute(_upsert(schema.variants, ["variant_key"], dict(v)))
            for t in tasks:
                c.execute(_upsert(schema.job_tasks, ["benchmark", "task_digest"], dict(t)))

    def done_trial_ids(self) -> set[str]:
        with self.engine.connect() as c:
            return set(c.execute(select(schema.trials.c.trial_id)).scalars())

    def commit_trial(self, trial: TrialRecord, tries: Iterable[TryRecord],
                     calls: Iterable[Mapping[str, Any]] = ()) -> None:
        """The trial, its failed tries and its calls, all or nothing."""
        with self.engine.begin() as c:
            c.execute(insert(schema.trials).values(**asdict(trial)))
            for t in tries:
                c.execute(insert(schema.tries).values(**asdict(t)))
            rows = [dict(r) for r in calls]
            if rows:
                c.execute(insert(schema.calls), rows)

    def rows(self, table: str) -> list[dict[str, Any]]:
        with self.engine.connect() as c:
            return [dict(r._mapping) for r in c.execute(select(schema.metadata.tables[table]))]


def _upsert(table: Any, keys: list[str], values: dict[str, Any]) -> Any:
    stmt = sqlite_insert(table).values(**values)
    updates = {k: v for k, v in values.items() if k not in keys}
    return stmt.on_conflict_do_update(index_elements=keys, set_=updates) if updates \
        else stmt.on_conflict_do_nothing(index_elements=keys)
