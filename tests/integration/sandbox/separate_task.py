"""A schema-1.3 task written here in DeepSWE's shape: a small git repository, a verifier image
built from ``tests/Dockerfile`` FROM the task's image (itself built from
``localhost/debian:bookworm``), a collect hook that extracts the agent's commits as a patch, and
a ``reward.json`` with several keys. Variants break one part each."""

from __future__ import annotations

import textwrap
from pathlib import Path

IMAGE = "localhost/agentindex-fixture/calc:1.3"
# Same first layers as the demo patch tasks: the build reuses their cache.
DOCKERFILE = """\
FROM localhost/debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends python3 git \\
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY app/ /app/
RUN git init -q && git add -A \\
 && git -c user.name=dev -c user.email=dev@localhost commit -qm base
"""
CALC = "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n"
COLLECT = ("cd /app && mkdir -p /logs/artifacts && git config --global --add safe.directory /app "
           "&& git diff --binary $(git rev-list --max-parents=0 HEAD) HEAD "
           "> /logs/artifacts/model.patch")
TOML = f"""\
schema_version = "1.3"
artifacts = ["/logs/artifacts/model.patch"]
[task]
name = "agentindex-test/{{name}}"
[metadata]
kind = "patch"
[verifier]
network_mode = "{{network}}"
environment_mode = "separate"
timeout_sec = 60.0
[verifier.environment]
build_timeout_sec = 300.0
cpus = 1
memory_mb = 512
[[verifier.collect]]
command = "{{collect}}"
timeout_sec = 30.0
[agent]
network_mode = "{{network}}"
timeout_sec = 60.0
[environment]
build_timeout_sec = 600.0
docker_image = "{IMAGE}"
cpus = 1
memory_mb = 512
"""
VERIFIER_DOCKERFILE = f"""\
FROM {IMAGE}
COPY test.sh /tests/test.sh
COPY test_calc.py /tests/test_calc.py
"""
# The hidden tests: one fail-to-pass (add), one pass-to-pass (sub).
TEST_CALC = """\
import json, sys
sys.path.insert(0, "/app")
import calc
f2p = [calc.add(2, 3) == 5]
p2p = [calc.sub(5, 3) == 2]
ok = all(f2p) and all(p2p)
print(json.dumps({"reward": int(ok), "f2p": sum(f2p) / len(f2p), "p2p": sum(p2p) / len(p2p)}))
"""
TEST_SH = """\
#!/bin/bash
cd /app
{probe}
if [ -s /logs/artifacts/model.patch ] && ! git apply /logs/artifacts/model.patch; then
  echo '{{"reward": 0, "f2p": 0.0, "p2p": 0.0, "apply_failed": 1}}' > /logs/verifier/reward.json
  exit 0
fi
{grade}
"""
GRADE = "python3 /tests/test_calc.py > /logs/verifier/reward.json"
BROKEN_GRADER = "echo -1 > /logs/verifier/reward.txt"
# Python, because the image has no curl: 'reached' or 'blocked' for a TCP connect to the host.
PROBE = ("python3 -c \"import socket,sys; s=socket.socket(); s.settimeout(3); "
         "r=s.connect_ex(('{host}', {port})); print('reached' if r == 0 else 'blocked')\" "
         "> {out} 2>&1")
SOLVE = """\
#!/bin/bash
cd /app
sed -i '2s/a - b/a + b/' calc.py
git add -A
git -c user.name=oracle -c user.email=oracle@localhost commit -qm "fix add"
"""


# For bwrap: no RUN (the runner makes WORKDIR a repository with one base commit).
PLAIN_DOCKERFILE = "FROM localhost/debian:bookworm\nWORKDIR /app\nCOPY app/ /app/\n"


def write_separate_task(root: Path, name: str = "calc", *, collect: str = COLLECT,
                        grade: str = GRADE, network: str = "no-network",
                        probe: tuple[str, int] | None = None, dockerfile: str = DOCKERFILE,
                        verifier_dockerfile: str = VERIFIER_DOCKERFILE) -> Path:
    """The task; ``probe=(host, port)`` makes test.sh record whether it could connect there in
    /logs/verifier/probe.txt."""
    task = root / name
    for d in ("environment/app", "tests", "solution"):
        (task / d).mkdir(parents=True)
    (task / "task.toml").write_text(TOML.format(name=name, network=network,
                                                collect=collect.replace('"', '\\"')))
    (task / "instruction.md").write_text("Fix add() in /app/calc.py and commit your fix.\n")
    (task / "environment" / "Dockerfile").write_text(dockerfile)
    (task / "environment" / "app" / "calc.py").write_text(CALC)
    (task / "tests" / "Dockerfile").write_text(verifier_dockerfile)
    (task / "tests" / "test_calc.py").write_text(TEST_CALC)
    probe_line = PROBE.format(host=probe[0], port=probe[1], out="/logs/verifier/probe.txt") \
        if probe else ""
    (task / "tests" / "test.sh").write_text(TEST_SH.format(probe=probe_line, grade=grade))
    (task / "solution" / "solve.sh").write_text(SOLVE)
    return task


def probe_command(host: str, port: int, out: str) -> str:
    return PROBE.format(host=host, port=port, out=out)


REWRITE_TESTS = textwrap.dedent("""\
    mkdir -p /tests /logs/verifier /logs/artifacts
    printf '#!/bin/bash\\necho 1 > /logs/verifier/reward.txt\\n' > /tests/test.sh
    printf 'print("{\\\\"reward\\\\": 1}")\\n' > /tests/test_calc.py
    echo 1 > /logs/verifier/reward.txt
    echo '{"reward": 1}' > /logs/verifier/reward.json
    """)
