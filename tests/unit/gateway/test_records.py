"""CallRecord maps 1:1 to the calls table."""

from __future__ import annotations

import json

from agentindex.gateway import CallRecord
from agentindex.store.schema import calls
from agentindex.usage import Usage


def test_record_row_matches_the_calls_table():
    record = CallRecord("t", 1, 3, "anthropic", "anthropic", "claude-x", 1.0, 1.5, 2.0, 200,
                        Usage(input=1, cache_read=2, cache_write_5m=3, cache_write_1h=4, output=5),
                        True, "abc", None)
    row = record.to_row()
    assert set(row) == {c.name for c in calls.columns}
    assert row["cache_write_1h"] == 4 and row["reasoning"] is None
    assert json.loads(record.to_json()) == row
