#!/bin/bash
# Reference fix: only the first `=` separates key from value; later ones belong to the value.
set -euo pipefail
python3 - <<'PY'
from pathlib import Path

path = Path("/app/kvconf/parser.py")
src = path.read_text()
old = 'key, value = line.split("=")'
assert old in src, "unexpected kvconf/parser.py"
path.write_text(src.replace(old, 'key, value = line.split("=", 1)'))
PY
