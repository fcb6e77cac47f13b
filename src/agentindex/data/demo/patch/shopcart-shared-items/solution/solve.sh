#!/bin/bash
# Reference fix: the default `items=[]` is evaluated once and shared by every Cart();
# default to None and give each cart its own list.
set -euo pipefail
python3 - <<'PY'
from pathlib import Path

path = Path("/app/shopcart/cart.py")
src = path.read_text()
for old, new in [
    ("def __init__(self, items=[], ", "def __init__(self, items=None, "),
    ("        self.items = items\n", "        self.items = [] if items is None else items\n"),
]:
    assert old in src, "unexpected shopcart/cart.py"
    src = src.replace(old, new)
path.write_text(src)
PY
