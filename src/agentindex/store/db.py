"""Open the store, write to it and read from it. Each finished trial is one transaction; every
query the report and the view make is a method here (no other module touches the engine)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, create_engine, delete, event, insert, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from agentindex.errors import ConfigError
from agentindex.results import CallRecord, FailedTry, TrialResult, VariantInfo
from agentindex.store import schema

STORE_FILE = "results.sqlite"


@dataclass(frozen=True)
class JobTask:
    """A task of the job under one benchmark (a ``job_tasks`` row)."""

    benchmark: str
    task_digest: str
    task_name: str
    kind: str
    path: str


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
        if version is None:
            self.set_meta("schema_version", schema.SCHEMA_VERSION)
        elif version in schema.MIGRATIONS:
            self._migrate(version)
        elif version != schema.SCHEMA_VERSION:
            self.close()
            raise ConfigError(url, "meta.schema_version",
                              f"the store has schema {version} and this agentindex reads only "
                              f"schema {schema.SCHEMA_VERSION}: report it with the agentindex "
                              "that wrote it, or run the job again into a new directory")

    def _migrate(self, version: int) -> None:
        """Bring an older store up to ``SCHEMA_VERSION``, all steps in one transaction."""
        with self.engine.begin() as c:
            while version in schema.MIGRATIONS:
                for statement in schema.MIGRATIONS[version]:
                    c.exec_driver_sql(statement)
                version += 1
            c.execute(_upsert(schema.meta, ["key"], {"key": "schema_version", "value": version}))

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

    def put_job_rows(self, variants: Iterable[VariantInfo],
                     tasks: Iterable[Mapping[str, Any]]) -> None:
        with self.engine.begin() as c:
            for v in variants:
                c.execute(_upsert(schema.variants, ["variant_key"], v.model_dump()))
            for t in tasks:
                c.execute(_upsert(schema.job_tasks, ["benchmark", "task_digest"], dict(t)))

    def done_trial_ids(self, rerun: Collection[str] = ()) -> set[str]:
        """The committed trials, but those that ended with an error class in ``rerun``."""
        t = schema.trials
        query = select(t.c.trial_id)
        if rerun:
            query = query.where(t.c.error_class.is_(None) | t.c.error_class.not_in(list(rerun)))
        with self.engine.connect() as c:
            return set(c.execute(query).scalars())

    def commit_trial(self, trial: TrialResult, calls: Iterable[CallRecord] = ()) -> None:
        """The trial, its failed tries and its calls, all or nothing; they replace an earlier
        result of the same trial (one that ended in an error class a re-run runs again)."""
        with self.engine.begin() as c:
            for table in (schema.trials, schema.tries, schema.calls):
                c.execute(delete(table).where(table.c.trial_id == trial.trial_id))
            c.execute(insert(schema.trials).values(
                **trial.model_dump(exclude=set(schema.TRIAL_EXCLUDED))))
            for t in trial.failed_tries:
                c.execute(insert(schema.tries).values(trial_id=trial.trial_id, **t.model_dump()))
            rows = [r.to_row() for r in calls]
            if rows:
                c.execute(insert(schema.calls), rows)

    def rows(self, table: str) -> list[dict[str, Any]]:
        """Every row of ``table`` as a dict (for tests and checks; the report uses the typed
        queries below)."""
        with self.engine.connect() as c:
            return [dict(r._mapping) for r in c.execute(select(schema.metadata.tables[table]))]

    def variants(self) -> list[VariantInfo]:
        return [VariantInfo.model_validate(r) for r in self.rows("variants")]

    def job_tasks(self) -> list[JobTask]:
        return [JobTask(**r) for r in self.rows("job_tasks")]

    def trials(self) -> Iterator[TrialResult]:
        """Every committed trial with its variant and failed tries. A trial whose variant row
        is missing gets a variant named by its key."""
        variants = {v.variant_key: v for v in self.variants()}
        failed: dict[str, list[FailedTry]] = defaultdict(list)
        for r in self.rows("tries"):
            failed[r.pop("trial_id")].append(FailedTry.model_validate(r))
        with self.engine.connect() as c:
            result = c.execute(select(schema.trials))
            names = list(result.keys())  # once: a row's own mapping rebuilds them every time
            for row in result:
                d = dict(zip(names, row, strict=True))
                key = d["variant_key"]
                variant = variants.get(key) or VariantInfo(variant_key=key, label=key, agent=key,
                                                          agent_version=None, model=None)
                yield TrialResult.model_validate(
                    {**d, "variant": variant,
                     "failed_tries": sorted(failed.get(d["trial_id"], []),
                                            key=lambda t: t.try_no)})

    def stream_calls(self, columns: Iterable[str],
                     phase: str = "agent") -> Iterator[tuple[Any, ...]]:
        """``columns`` of every call of ``phase`` (``agent``, or ``grading``: a verifier's
        judge) in (trial, try, seq) order, as plain tuples straight from the DB-API cursor (a
        million SQLAlchemy rows or models cost seconds)."""
        t = schema.calls
        query = select(*(t.c[name] for name in columns)).where(t.c.phase == phase) \
            .order_by(t.c.trial_id, t.c.try_no, t.c.seq)
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            # the phase is one of ours, never user text: bound literally for the raw cursor
            cur.execute(str(query.compile(dialect=self.engine.dialect,
                                          compile_kwargs={"literal_binds": True})))
            while rows := cur.fetchmany(10_000):
                yield from cast(list[tuple[Any, ...]], rows)
            cur.close()
        finally:
            raw.close()

    def trial_calls(self, trial_id: str) -> list[CallRecord]:
        """Every call of every try of the trial, in (try, seq) order."""
        t = schema.calls
        with self.engine.connect() as c:
            rows = c.execute(select(t).where(t.c.trial_id == trial_id)
                             .order_by(t.c.try_no, t.c.seq))
            return [CallRecord.model_validate(dict(r._mapping)) for r in rows]


def _upsert(table: Any, keys: list[str], values: dict[str, Any]) -> Any:
    stmt = sqlite_insert(table).values(**values)
    updates = {k: v for k, v in values.items() if k not in keys}
    return stmt.on_conflict_do_update(index_elements=keys, set_=updates) if updates \
        else stmt.on_conflict_do_nothing(index_elements=keys)
