"""Trial lifecycle, job expansion and resume, the error policy."""
