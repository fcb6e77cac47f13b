"""The results store: SQLAlchemy Core on a SQLite file in the job directory."""

from agentindex.store.db import STORE_FILE, Store
from agentindex.store.records import TrialRecord, TryRecord

__all__ = ["STORE_FILE", "Store", "TrialRecord", "TryRecord"]
