"""CallRecord maps 1:1 to the calls table."""

from __future__ import annotations

import json

from agentindex.gateway import CallRecord
from agentindex.store.schema import calls
from agentindex.usage import Usage


def test_record_row_matches_the_calls_table():
    usage = Usage(input=1, cache_read=2, cache_write_5m=3, cache_write_1h=4, output=5)
    record = CallRecord(trial_id="t", try_no=1, seq=3, protocol="anthropic", provider="anthropic",
                        model="claude-x", started_at=1.0, first_byte_at=1.5, ended_at=2.0,
                        status=200, usage=usage, tools_offered=True, tool_digest="abc",
                        error=None)
    row = record.to_row()
    assert set(row) == {c.name for c in calls.columns}
    assert row["cache_write_1h"] == 4 and row["reasoning"] is None
    assert json.loads(record.to_json()) == row
    assert record.usage == usage
    assert CallRecord.model_validate_json(record.to_json()) == record


def test_a_schema_5_store_gains_queue_s_and_keeps_its_calls(tmp_path):
    """Stores written before ``calls.queue_s`` (schema 5) open, migrated, with their rows."""
    import sqlite3

    from agentindex.store import Store

    Store.in_job(tmp_path).close()
    with sqlite3.connect(tmp_path / "results.sqlite") as c:  # back to schema 5
        c.execute("ALTER TABLE calls DROP COLUMN queue_s")
        c.execute("ALTER TABLE trials DROP COLUMN suspected_leaks")
        c.execute("ALTER TABLE calls DROP COLUMN trajectory_line")  # schema 8
        c.execute("ALTER TABLE trials DROP COLUMN refused_tool_calls")  # schema 8
        c.execute("ALTER TABLE trials DROP COLUMN environment")  # schema 9
        c.execute("DROP TABLE interrupted_calls")  # schema 10
        c.execute("DROP TABLE superseded_calls")  # schema 11
        c.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
        c.execute("INSERT INTO calls (trial_id, try_no, seq, protocol, provider, model, "
                  "started_at, tools_offered, phase) "
                  "VALUES ('t', 1, 1, 'anthropic', 'a', 'm', 1.0, 1, 'agent')")
    store = Store.in_job(tmp_path)
    try:
        assert store.get_meta("schema_version") == 11
        [row] = store.rows("calls")
        assert row["trial_id"] == "t" and row["queue_s"] is None
    finally:
        store.close()
