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
