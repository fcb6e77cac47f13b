#!/bin/bash
# Reference solution.
set -euo pipefail
python3 - <<'PY'
import json
import math
import re
from collections import Counter

LINE = re.compile(r'(\S+) \S+ \S+ \[([^\]]+)\] "(\S+) (\S+) (\S+)" (\d{3}) (\d+|-) (\d+(?:\.\d+)?)')
valid, malformed = [], 0
with open("/app/access.log", encoding="utf-8") as f:
    for line in f:
        line = line.rstrip("\n")
        if not line:
            continue
        m = LINE.fullmatch(line)
        if m:
            valid.append(m)
        else:
            malformed += 1
paths = Counter(m[4].split("?", 1)[0] for m in valid)
times = sorted(float(m[8]) for m in valid)
stats = {
    "total_requests": len(valid),
    "malformed_lines": malformed,
    "unique_ips": len({m[1] for m in valid}),
    "status_counts": dict(sorted(Counter(m[6] for m in valid).items())),
    "top_paths": [{"path": p, "count": c}
                  for p, c in sorted(paths.items(), key=lambda pc: (-pc[1], pc[0]))[:3]],
    "p95_response_time": times[math.ceil(0.95 * len(times)) - 1],
    "error_rate": round(sum(int(m[6]) >= 500 for m in valid) / len(valid), 4),
    "bytes_total": sum(int(m[7]) for m in valid if m[7] != "-"),
}
with open("/app/stats.json", "w", encoding="utf-8") as f:
    json.dump(stats, f, indent=2)
    f.write("\n")
PY
