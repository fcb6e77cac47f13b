"""Reports: report.json (a contract), a terminal table."""
