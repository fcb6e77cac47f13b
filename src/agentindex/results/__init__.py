"""The results formats: one versioned, documented pydantic model per concept.

- :class:`TrialResult` (``trial.py``): ``result.json``, the store's ``trials`` row, what the
  report reads and what a remote worker sends back.
- :class:`CallRecord` (``call.py``): one metered model call (``calls.jsonl``, ``calls`` rows).
- :class:`Report` (``report.py``): ``report.json``, which every rendering reads.

The JSON Schemas in ``docs/schema/`` are generated from these (``python -m
agentindex.results.schema --write``).
"""

from agentindex.results.call import CALL_FORMAT, CallRecord
from agentindex.results.report import REPORT_FORMAT, Report, load_report_file, read_report
from agentindex.results.trial import (
    TRIAL_FORMAT,
    FailedTry,
    SelfReportResult,
    SuspectedLeak,
    Tokens,
    TrialResult,
    VariantInfo,
    load_trial_result,
    read_trial_result,
)

__all__ = ["CALL_FORMAT", "REPORT_FORMAT", "TRIAL_FORMAT", "CallRecord", "FailedTry", "Report",
           "SelfReportResult", "SuspectedLeak", "Tokens", "TrialResult", "VariantInfo",
           "load_report_file", "load_trial_result", "read_report", "read_trial_result"]
