"""Compute the SWE-Bench-Pro-Hard (agentindex rule) manifest from a copy of SWE-bench_Pro-os.

    .venv/bin/python scripts/swe_bench_pro_hard.py COPY [--rev SHA] [--out FILE] [--check FILE]

COPY is a checkout (or an export) of https://github.com/scaleapi/SWE-bench_Pro-os; --rev is the
commit it is at (read with git when COPY is a checkout). Writes the manifest JSON to --out (or
stdout); with --check, exits 1 unless the computed manifest equals FILE byte for byte.
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
from pathlib import Path

from agentindex.tasks.importers.swe_bench_pro_hard import hard_manifest


def _rev(copy: Path, given: str | None) -> str:
    if given:
        return given
    done = subprocess.run(["git", "-C", str(copy), "rev-parse", "HEAD"], capture_output=True,
                          text=True)
    if done.returncode != 0:
        sys.exit(f"{copy} is not a git checkout: give its commit with --rev")
    return done.stdout.strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("copy", type=Path)
    ap.add_argument("--rev")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--check", type=Path)
    args = ap.parse_args()
    manifest = hard_manifest(args.copy, _rev(args.copy, args.rev))
    text = manifest.model_dump_json(indent=1) + "\n"
    counts = collections.Counter(e.solved_by for e in manifest.instances)
    repos = collections.Counter(e.id.split("__")[0].removeprefix("instance_")
                                for e in manifest.instances)
    print(f"{len(manifest.instances)} of {manifest.population} public instances, "
          f"{len(manifest.runs)} reference runs; chosen by solve count: "
          f"{dict(sorted(counts.items()))}; by org: {dict(repos.most_common())}", file=sys.stderr)
    if args.check:
        same = args.check.read_text() == text
        print(f"{args.check}: {'reproduced' if same else 'DIFFERS'}", file=sys.stderr)
        return 0 if same else 1
    if args.out:
        args.out.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
