"""Open the store, write to it and read from it. Each finished trial is one transaction; every
query the report and the view make is a method here (no other module touches the database).

The store is a SQLite file read and written with the standard library's ``sqlite3``: opening it
costs no more than the file, which keeps a run's start and a re-run of a finished job fast.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def _from_json(value: Any) -> Any:
    # a JSON column has NUMERIC affinity: SQLite keeps the text of a bare number as a number
    return json.loads(value) if isinstance(value, str | bytes) else value


def _from_bool(value: Any) -> Any:
    return None if value is None else bool(value)


_READ: dict[str, Callable[[Any], Any]] = {schema.JSON: _from_json, "BOOLEAN": _from_bool}


def _to_db(table: schema.Table, row: Mapping[str, Any]) -> dict[str, Any]:
    """A row's values as stored: a JSON column's value as its ``json.dumps`` text."""
    encoded = table.json_columns
    return {k: json.dumps(v) if k in encoded else v for k, v in row.items()}


def _q(name: str) -> str:
    return f'"{name}"'


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            # WAL + synchronous=FULL: a commit that returned survives kill -9 and power loss.
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self._create_missing_tables()
            version = self.get_meta("schema_version")
            if version is None:
                self.set_meta("schema_version", schema.SCHEMA_VERSION)
            elif version in schema.MIGRATIONS:
                self._migrate(version)
            elif version != schema.SCHEMA_VERSION:
                raise ConfigError(path, "meta.schema_version",
                                  f"the store has schema {version} and this agentindex reads "
                                  f"only schema {schema.SCHEMA_VERSION}: report it with the "
                                  "agentindex that wrote it, or run the job again into a new "
                                  "directory")
        except BaseException:
            self.close()
            raise

    @classmethod
    def in_job(cls, job_dir: Path) -> Store:
        return cls(job_dir / STORE_FILE)

    def close(self) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """All of the block's writes or none of them."""
        self.conn.execute("BEGIN")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _create_missing_tables(self) -> None:
        have = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master "
                                                "WHERE type = 'table'")}
        missing = [t for t in schema.TABLES.values() if t.name not in have]
        if missing:
            with self._transaction() as c:
                for table in missing:
                    for statement in table.ddl():
                        c.execute(statement)

    def _migrate(self, version: int) -> None:
        """Bring an older store up to ``SCHEMA_VERSION``, all steps in one transaction."""
        with self._transaction() as c:
            while version in schema.MIGRATIONS:
                for statement in schema.MIGRATIONS[version]:
                    c.execute(statement)
                version += 1
            self._upsert(schema.meta, {"key": "schema_version", "value": version})

    def _select(self, table: schema.Table, where: str = "", params: Iterable[Any] = (),
                order: str = "") -> Iterator[dict[str, Any]]:
        """``table``'s rows as dicts of its columns (in schema order), values as read back."""
        names = table.names
        read = [(n, _READ.get(table.column(n).type)) for n in names]
        sql = f"SELECT {', '.join(map(_q, names))} FROM {_q(table.name)}"
        cursor = self.conn.execute(f"{sql} {where} {order}".strip(), tuple(params))
        for row in cursor:
            yield {n: f(v) if f else v for (n, f), v in zip(read, row, strict=True)}

    def _insert(self, table: schema.Table, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        names = list(rows[0])
        self.conn.executemany(
            f"INSERT INTO {_q(table.name)} ({', '.join(map(_q, names))}) "
            f"VALUES ({', '.join(':' + n for n in names)})", [_to_db(table, r) for r in rows])

    def _upsert(self, table: schema.Table, values: dict[str, Any]) -> None:
        keys = table.primary_key
        names = list(values)
        updates = [n for n in names if n not in keys]
        conflict = (f"DO UPDATE SET {', '.join(f'{_q(n)} = excluded.{_q(n)}' for n in updates)}"
                    if updates else "DO NOTHING")
        self.conn.execute(
            f"INSERT INTO {_q(table.name)} ({', '.join(map(_q, names))}) "
            f"VALUES ({', '.join(':' + n for n in names)}) "
            f"ON CONFLICT ({', '.join(map(_q, keys))}) {conflict}", _to_db(table, values))

    def get_meta(self, key: str) -> Any:
        row = next(self._select(schema.meta, 'WHERE "key" = ?', [key]), None)
        return None if row is None else row["value"]

    def set_meta(self, key: str, value: Any) -> None:
        with self._transaction():
            self._upsert(schema.meta, {"key": key, "value": value})

    def put_job_rows(self, variants: Iterable[VariantInfo], tasks: Iterable[Mapping[str, Any]],
                     meta: Mapping[str, Any] | None = None) -> None:
        """Upsert the job's variants, tasks and ``meta`` values in one transaction; when every
        one of them is stored already as given, nothing is written (a re-run of a finished job
        costs no commit, i.e. no fsync)."""
        rows = [v.model_dump() for v in variants]
        task_rows = [dict(t) for t in tasks]
        meta = dict(meta or {})
        stored_meta = {r["key"]: r["value"] for r in self.rows("meta")}
        if (all(k in stored_meta and stored_meta[k] == v for k, v in meta.items())
                and _subset(rows, self.rows("variants"))
                and _subset(task_rows, self.rows("job_tasks"))):
            return
        with self._transaction():
            for key, value in meta.items():
                self._upsert(schema.meta, {"key": key, "value": value})
            for v in rows:
                self._upsert(schema.variants, v)
            for t in task_rows:
                self._upsert(schema.job_tasks, t)

    def done_trial_ids(self, rerun: Collection[str] = ()) -> set[str]:
        """The committed trials, but those that ended with an error class in ``rerun``."""
        sql, params = "SELECT trial_id FROM trials", list(rerun)
        if params:
            sql += (" WHERE error_class IS NULL OR error_class NOT IN "
                    f"({', '.join('?' for _ in params)})")
        return {r[0] for r in self.conn.execute(sql, params)}

    def commit_trial(self, trial: TrialResult, calls: Iterable[CallRecord] = ()) -> None:
        """The trial, its failed tries and its calls, all or nothing; they replace an earlier
        result of the same trial (one that ended in an error class a re-run runs again), whose
        calls are kept in ``superseded_calls``: they were made, and their spend counts."""
        with self._transaction() as c:
            names = ", ".join(map(_q, schema.calls.names))
            c.execute(f"INSERT OR IGNORE INTO superseded_calls ({names}) "
                      f"SELECT {names} FROM calls WHERE trial_id = ?", (trial.trial_id,))
            for table in (schema.trials, schema.tries, schema.calls):
                c.execute(f"DELETE FROM {_q(table.name)} WHERE trial_id = ?", (trial.trial_id,))
            self._insert(schema.trials, [trial.model_dump(exclude=set(schema.TRIAL_EXCLUDED))])
            self._insert(schema.tries, [{"trial_id": trial.trial_id, **t.model_dump()}
                                        for t in trial.failed_tries])
            self._insert(schema.calls, [r.to_row() for r in calls])

    def add_interrupted_calls(self, calls: Iterable[CallRecord]) -> int:
        """Keep the calls of tries a kill interrupted (never committed), in one transaction;
        returns how many were new. A call stored already, here or among the committed ``calls``
        (same trial, try, seq and start time), is not added again: salvaging the same staged
        file twice counts it once."""
        rows = [r.to_row() for r in calls]
        table = schema.interrupted_calls
        with self._transaction() as c:
            before = self.conn.total_changes
            for trial_id in {r["trial_id"] for r in rows}:
                committed = set(c.execute("SELECT try_no, seq, started_at FROM calls "
                                          "WHERE trial_id = ?", (trial_id,)))
                new = [r for r in rows if r["trial_id"] == trial_id
                       and (r["try_no"], r["seq"], r["started_at"]) not in committed]
                if new:
                    names = list(new[0])
                    c.executemany(
                        f"INSERT OR IGNORE INTO {_q(table.name)} ({', '.join(map(_q, names))}) "
                        f"VALUES ({', '.join(':' + n for n in names)})",
                        [_to_db(table, r) for r in new])
            return self.conn.total_changes - before

    def rows(self, table: str) -> list[dict[str, Any]]:
        """Every row of ``table`` as a dict (for tests and checks; the report uses the typed
        queries below)."""
        return list(self._select(schema.TABLES[table]))

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
        for d in self._select(schema.trials):
            key = d["variant_key"]
            variant = variants.get(key) or VariantInfo(variant_key=key, label=key, agent=key,
                                                      agent_version=None, model=None)
            yield TrialResult.model_validate(
                {**d, "variant": variant,
                 "failed_tries": sorted(failed.get(d["trial_id"], []), key=lambda t: t.try_no)})

    def stream_calls(self, columns: Iterable[str],
                     phase: str = "agent") -> Iterator[tuple[Any, ...]]:
        """``columns`` of every call of ``phase`` (``agent``, or ``grading``: a verifier's
        judge) in (trial, try, seq) order, as plain tuples straight from the cursor, in batches
        (a million row dicts or models cost seconds)."""
        names = [schema.calls.column(n).name for n in columns]  # ours, never user text
        cur = self.conn.execute(f"SELECT {', '.join(map(_q, names))} FROM calls WHERE phase = ? "
                                "ORDER BY trial_id, try_no, seq", (phase,))
        try:
            while rows := cur.fetchmany(10_000):
                yield from rows
        finally:
            cur.close()

    def stream_interrupted_calls(self, columns: Iterable[str], phase: str = "agent",
                                 table: str = "interrupted_calls") -> Iterator[tuple[Any, ...]]:
        """``columns`` of every interrupted call of ``phase`` (see ``add_interrupted_calls``) in
        (trial, try, start, seq) order, as plain tuples; ``table="superseded_calls"``: the calls
        of results a re-run replaced (see ``commit_trial``), in the same order."""
        kept = schema.TABLES[table]  # interrupted_calls or superseded_calls: ours, never user text
        names = [kept.column(n).name for n in columns]
        cur = self.conn.execute(f"SELECT {', '.join(map(_q, names))} FROM {_q(kept.name)} "
                                "WHERE phase = ? ORDER BY trial_id, try_no, started_at, seq",
                                (phase,))
        try:
            while rows := cur.fetchmany(10_000):
                yield from rows
        finally:
            cur.close()

    def content_digest(self) -> str:
        """A digest of everything a report reads from this store: every row of the small tables
        (meta, variants, tasks, trials, failed tries) and, for the insert-only calls tables
        (``calls``, ``interrupted_calls``, ``superseded_calls``), their row counts and rowid sums.
        Equal digests: the same report (for the same code)."""
        digest = hashlib.sha256()
        cur = self.conn.cursor()
        try:
            for table in ("meta", "variants", "job_tasks", "trials", "tries"):
                cur.execute(f"SELECT * FROM {table} ORDER BY rowid")
                digest.update(table.encode())
                while rows := cur.fetchmany(10_000):
                    digest.update(repr(rows).encode())
            for table in ("calls", "interrupted_calls", "superseded_calls"):
                cur.execute(f"SELECT count(*), total(rowid), max(rowid) FROM {table}")
                digest.update(repr(cur.fetchall()).encode())
        finally:
            cur.close()
        return digest.hexdigest()

    def trial_calls(self, trial_id: str) -> list[CallRecord]:
        """Every call of every try of the trial, in (try, seq) order."""
        rows = self._select(schema.calls, "WHERE trial_id = ?", [trial_id], "ORDER BY try_no, seq")
        return [CallRecord.model_validate(r) for r in rows]


def open_store(job_dir: Path) -> Store:
    """The store of an existing job; ConfigError when ``job_dir`` holds none."""
    if not (job_dir / STORE_FILE).is_file():
        raise ConfigError(job_dir, None, f"not a job directory (no {STORE_FILE})")
    return Store.in_job(job_dir)


def _subset(rows: list[dict[str, Any]], stored: list[dict[str, Any]]) -> bool:
    """Whether every row is among ``stored``, equal in every column it names."""
    if not rows:
        return True
    keys = sorted(rows[0])

    def key(r: Mapping[str, Any]) -> str:
        return json.dumps([r.get(k) for k in keys], default=str)

    have = {key(r) for r in stored}
    return all(sorted(r) == keys and key(r) in have for r in rows)
