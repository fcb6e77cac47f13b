"""``agentindex view``: a local web page to browse a job's report and trials."""
