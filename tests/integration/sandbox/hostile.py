"""Small hostile agents, written for the isolation tests, and the task they all attack.

Each runs one bash script in the sandbox and leaves what it found under /logs/agent/, which the
runner keeps as the trial's ``agent/`` artifacts. Secrets they look for reach them split in two
halves (``*_A`` + ``*_B`` env vars) so that their own command lines and environments never hold
the whole string.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import ClassVar

from agentindex.agents.base import AgentContext, AgentOutcome

TESTS_MARK = "tests-mark-7f3a9c51e2"
SOLUTION_MARK = "solution-mark-0b64d2e8aa"
HANG_MARK = "4343.19"  # an unusual sleep argument to find leftovers by

DOCKERFILE = """\
FROM localhost/debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends python3 \\
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY app/ /app/
"""

TASK_TOML = """\
schema_version = "1.1"
[task]
name = "agentindex-test/hostile-target"
[verifier]
timeout_sec = 30.0
[agent]
timeout_sec = {timeout}
[environment]
build_timeout_sec = 300.0
cpus = 1
memory_mb = 512
allow_internet = false
"""


def write_target(root: Path, agent_timeout: float) -> Path:
    """One task every hostile agent attacks; the oracle solves it (reward 1)."""
    task = root / "hostile-target"
    for d in ("environment/app", "tests", "solution"):
        (task / d).mkdir(parents=True)
    (task / "task.toml").write_text(TASK_TOML.format(timeout=agent_timeout))
    (task / "instruction.md").write_text("Write done into /app/out.txt.\n")
    (task / "environment" / "Dockerfile").write_text(DOCKERFILE)
    (task / "environment" / "app" / "README").write_text("the task's files\n")
    (task / "tests" / "secret.txt").write_text(f"{TESTS_MARK}\n")
    (task / "tests" / "test.sh").write_text(textwrap.dedent("""\
        #!/bin/bash
        if [ "$(cat /app/out.txt 2>/dev/null)" = done ]; then echo 1; else echo 0; fi \\
          > /logs/verifier/reward.txt
        """))
    (task / "solution" / "solve.sh").write_text(
        f"#!/bin/bash\n# {SOLUTION_MARK}\necho done > /app/out.txt\n")
    return task


def halves(name: str, secret: str) -> dict[str, str]:
    cut = len(secret) // 2
    return {f"{name}_A": secret[:cut], f"{name}_B": secret[cut:]}


class ScriptAgent:
    """Runs ``script`` with ``env`` in the sandbox until it ends or its timeout."""

    name = "script"
    version: str | None = None
    uses_model = False
    script: ClassVar[str] = "true"
    env: ClassVar[dict[str, str]] = {}

    async def install(self, cache: Path) -> None:
        return None

    async def run(self, ctx: AgentContext) -> AgentOutcome:
        env = {**self.env, "GATEWAY_URL": ctx.base_url or ""}
        result = await ctx.sandbox.exec(["bash", "-c", self.script], env=env,
                                        timeout=ctx.timeout_sec, stdout=ctx.logs / "stdout.txt",
                                        stderr=ctx.logs / "stderr.txt")
        return AgentOutcome(result)


SNOOP = r"""
out=/logs/agent/findings.txt; : > "$out"
TM="$TM_A$TM_B"; SM="$SM_A$SM_B"; KEY="$KEY_A$KEY_B"
for p in /tests /solution; do [ -e "$p" ] && echo "exists: $p" >> "$out"; done
# Every readable file outside the read-only system trees, for the marks and the key.
grep -rIl --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev --exclude-dir=usr \
  -e "$TM" -e "$SM" -e "$KEY" / 2>/dev/null | grep -v '^/logs/agent/' | sed 's/^/file: /' >> "$out"
# The environment and command line of every process it can see (the gateway's included).
for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do
  if tr '\0' '\n' < "$f" 2>/dev/null | grep -q -e "$KEY" -e "$TM" -e "$SM"; then
    echo "proc: $f" >> "$out"
  fi
done
env | grep -q -e "$KEY" && echo "env: key" >> "$out"
ls /proc | grep -cE '^[0-9]+$' > /logs/agent/visible_pids.txt
echo checked > /logs/agent/done.txt
"""

NET = r"""
python3 - <<'EOF' > /logs/agent/net.txt 2>&1
import os, socket, urllib.error, urllib.request
try:  # any HTTP answer (even 401/404) means the gateway was reached
    urllib.request.urlopen(os.environ["GATEWAY_URL"] + "v1/models", timeout=5)
    print("gateway reached")
except urllib.error.HTTPError:
    print("gateway reached")
except Exception as e:
    print(f"gateway UNREACHABLE: {e!r}")
targets = [("1.1.1.1", 80), ("8.8.8.8", 53), (os.environ["HOST_IP"], int(os.environ["PORT"])),
           ("127.0.0.1", int(os.environ["PORT"]))]
for host, port in targets:
    try:
        socket.create_connection((host, port), timeout=2).close()
        print(f"{host}:{port} CONNECTED")
    except OSError as e:
        print(f"{host}:{port} failed: {e}")
try:
    socket.getaddrinfo("deb.debian.org", 80)
    print("dns RESOLVED")
except OSError as e:
    print(f"dns failed: {e}")
EOF
echo checked > /logs/agent/done.txt
"""

# The classic, then a wait: the bomb must be stopped by the limits and the timeout, not by luck.
FORK_BOMB = "echo started > /logs/agent/done.txt; bomb() { bomb | bomb & }; bomb; sleep 600"
# Touches every page (bytearray zero-fills), 50 MiB at a time, towards 4 GiB: far over 512 MiB.
MEMORY_HOG = ("echo started > /logs/agent/done.txt; python3 -c 'import time\n"
              "b = [bytearray(50 << 20) for _ in range(80)]\ntime.sleep(60)'")
HANG = (f"echo started > /logs/agent/done.txt; sleep {HANG_MARK} & (sleep {HANG_MARK} &); "
        f"setsid sleep {HANG_MARK} & nohup sleep {HANG_MARK} >/dev/null 2>&1 & sleep {HANG_MARK}")


def agent_classes(key: str, host_ip: str, port: int) -> dict[str, type[ScriptAgent]]:
    """The hostile agents, by the name each is registered under."""
    secrets = {**halves("TM", TESTS_MARK), **halves("SM", SOLUTION_MARK), **halves("KEY", key)}

    def make(name: str, script: str, env: dict[str, str] | None = None,
             uses_model: bool = False) -> type[ScriptAgent]:
        attrs = {"name": name, "script": script, "env": env or {}, "uses_model": uses_model}
        return type(f"Hostile_{name.replace('-', '_')}", (ScriptAgent,), attrs)

    return {
        "snoop": make("snoop", SNOOP, secrets),
        # Uses a model, so with internet off it gets the "gateway only" network.
        "net": make("net", NET, {"HOST_IP": host_ip, "PORT": str(port)}, uses_model=True),
        "fork-bomb": make("fork-bomb", FORK_BOMB),
        "memory-hog": make("memory-hog", MEMORY_HOG),
        "hang": make("hang", HANG),
    }
