"""Load every SWE-Atlas-QnA task of a copy of scaleapi/SWE-Atlas and recognise its judge.

    .venv/bin/python scripts/swe_atlas_check.py COPY/data/qa

Each task directory must load (task.toml, instruction, tests/test.sh), be listed in the
dataset.toml, and have a verifier that needs a judge (EVAL_BASE_URL / EVAL_API_KEY / EVAL_MODEL
in [verifier.env]). Prints the counts, the judge models named, and any failure by task.
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path

from agentindex.errors import ConfigError
from agentindex.tasks.judge import judge_spec
from agentindex.tasks.loader import load_task, read_toml
from agentindex.tasks.model import TaskKind


def main() -> int:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = Path(sys.argv[1])
    listed = {e["name"].rsplit("/", 1)[-1] for e in read_toml(root / "dataset.toml")["tasks"]}
    dirs = sorted(p for p in root.iterdir() if p.is_dir())
    failures, judges, languages, categories = [], collections.Counter(), \
        collections.Counter(), collections.Counter()
    for d in dirs:
        try:
            task = load_task(d, TaskKind.QNA)
        except ConfigError as e:
            failures.append(f"{d.name}: {e}")
            continue
        spec = judge_spec(task)
        if spec is None:
            failures.append(f"{d.name}: [verifier.env] names no judge endpoint")
            continue
        if d.name not in listed:
            failures.append(f"{d.name}: not listed in dataset.toml")
        judges[spec.model] += 1
        languages[task.config.metadata.get("language")] += 1
        categories[task.config.metadata.get("category")] += 1
    print(f"{len(dirs) - len(failures)} of {len(dirs)} task directories load with a judge "
          f"({len(listed)} listed in dataset.toml)")
    print(f"judge models named: {dict(judges)}")
    print(f"languages: {dict(languages.most_common())}")
    print(f"categories: {dict(categories.most_common())}")
    for f in failures:
        print(f"FAIL {f}")
    return 1 if failures or len(dirs) != len(listed) else 0


if __name__ == "__main__":
    sys.exit(main())
