#!/bin/bash
# Reference fix: a partial last page is still a page, so round the division up.
set -euo pipefail
python3 - <<'PY'
from pathlib import Path

path = Path("/app/pager/core.py")
src = path.read_text()
old = "    return total // per_page\n"
assert old in src, "unexpected pager/core.py"
path.write_text(src.replace(old, "    return -(-total // per_page)\n"))
PY
