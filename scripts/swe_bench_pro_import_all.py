"""Import every public SWE-Bench Pro instance of a copy of SWE-bench_Pro-os and check the result.

    .venv/bin/python scripts/swe_bench_pro_import_all.py COPY [--out DIR] [--instances JSONL]

Without the instances JSONL (absent from the public snapshot) it builds the grading part of each
task from the per-instance files alone. Each task is then checked: task.toml reads, test.sh and
run_script.sh parse (bash -n), parser.py and grade.py compile, the image name is unique. Prints
how many converted and why any did not. The images are not pulled or run.
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from agentindex.tasks.importers.swe_bench_pro_task import import_swe_bench_pro
from agentindex.tasks.loader import read_toml
from agentindex.tasks.model import TaskConfig


def check_task(task: Path) -> str | None:
    """Why the written task is broken, or None."""
    try:
        TaskConfig.model_validate(read_toml(task / "task.toml"))
    except Exception as e:  # any failure is a finding, reported by name
        return f"task.toml: {e}"
    for script in ("test.sh", "run_script.sh"):
        done = subprocess.run(["bash", "-n", str(task / "tests" / script)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            return f"tests/{script} does not parse: {done.stderr.strip()[:200]}"
    for source in ("parser.py", "grade.py"):
        try:
            compile((task / "tests" / source).read_text(), source, "exec")
        except SyntaxError as e:
            return f"tests/{source} does not compile: {e}"
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("copy", type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--instances", type=Path)
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="swe-bench-pro-tasks-"))
    jsonl = args.instances or args.copy / "helper_code" / "sweap_eval_full_v2.jsonl"
    grading_only = not jsonl.is_file()
    result = import_swe_bench_pro(args.copy, out, instances=args.instances,
                                  grading_only=grading_only)
    broken = {iid: why for iid in result.written if (why := check_task(out / iid))}
    configs = [json.loads((out / i / "tests" / "config.json").read_text())
               for i in result.written]
    images = collections.Counter(c["image"] for c in configs)
    sources = collections.Counter(c["checkout_source"] for c in configs)
    names_only = sum(any("/" not in s for s in c["selected_test_files_to_run"]) for c in configs)
    no_p2p = sum(not c["pass_to_pass"] for c in configs)
    what = "grading parts (no JSONL)" if grading_only else "full tasks"
    print(f"{len(result.written)} of {len(result.written) + len(result.failed)} instances "
          f"converted as {what} into {out}; {len(result.failed)} failed to convert, "
          f"{len(broken)} converted but broken")
    print(f"gold test checkout: {dict(sources)}; image names: {len(images)} distinct "
          f"({sum(n > 1 for n in images.values())} shared)")
    print(f"selected tests given as test names, not paths: {names_only}; "
          f"no PASS_TO_PASS tests: {no_p2p}")
    for iid, why in [*result.failed, *broken.items()]:
        print(f"FAIL {iid}: {why}")
    return 1 if result.failed or broken else 0


if __name__ == "__main__":
    sys.exit(main())
