"""A patch task whose image keeps its own fix in the repository's history, as SWE-Bench Pro's
did: the base is HEAD, the fix one commit later on the branch ``future`` (and in the reflog)."""

from __future__ import annotations

from pathlib import Path

DOCKERFILE = """\
FROM localhost/debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends python3 git \\
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY app/ /app/
RUN git init -q && git add -A \\
 && git -c user.name=dev -c user.email=dev@localhost commit -qm base \\
 && sed -i '2s/a - b/a + b/' calc.py \\
 && git -c user.name=dev -c user.email=dev@localhost commit -qam "the fix" \\
 && git branch future && git reset -q --hard HEAD~1
"""
CALC = "def add(a, b):\n    return a - b\n"
TOML = """\
schema_version = "1.1"
[task]
name = "agentindex-test/{name}"
[metadata]
kind = "patch"
[verifier]
timeout_sec = 60.0
[agent]
timeout_sec = 120.0
[environment]
build_timeout_sec = 600.0
cpus = 1
memory_mb = 512
allow_internet = false
"""
TEST_SH = """\
#!/bin/bash
cd /app
python3 -c 'import calc; print(int(calc.add(2, 3) == 5))' > /logs/verifier/reward.txt
"""


def write_leak_task(root: Path, name: str = "leaky", solve: str = "true") -> Path:
    task = root / name
    for d in ("environment/app", "tests", "solution"):
        (task / d).mkdir(parents=True)
    (task / "task.toml").write_text(TOML.format(name=name))
    (task / "instruction.md").write_text("Fix add() in /app/calc.py.\n")
    (task / "environment" / "Dockerfile").write_text(DOCKERFILE)
    (task / "environment" / "app" / "calc.py").write_text(CALC)
    (task / "tests" / "test.sh").write_text(TEST_SH)
    (task / "solution" / "solve.sh").write_text(f"#!/bin/bash\ncd /app\n{solve}\n")
    return task
