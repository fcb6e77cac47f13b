#!/bin/bash
# Reference fix: semver compares pre-release identifiers one by one, numeric ones as
# numbers and below alphanumeric ones; the joined string compared "rc.10" < "rc.9".
set -euo pipefail
python3 - <<'PY'
from pathlib import Path

path = Path("/app/vercmp/version.py")
src = path.read_text()
old = '        pre = (1,) if not self.prerelease else (0, ".".join(self.prerelease))\n'
new = ('        ids = tuple((0, int(p)) if p.isdigit() else (1, p) for p in self.prerelease)\n'
       '        pre = (1,) if not self.prerelease else (0, ids)\n')
assert old in src, "unexpected vercmp/version.py"
path.write_text(src.replace(old, new))
PY
