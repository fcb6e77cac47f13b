"""Plug-ins: a harness, a sandbox backend and a benchmark from their own tiny packages, installed
by pip into a fresh venv (no edit to this repository), run a demo task end to end through
`agentindex run`; a plug-in that fails to load is one error naming its entry point.

The venv sees agentindex and its dependencies through this checkout's environment (a ``.pth``
file), so nothing is downloaded; the plug-ins are wheels built here and installed by pip.
"""

from __future__ import annotations

import base64
import hashlib
import json
import site
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from tests.conftest import DEMO

pytestmark = pytest.mark.integration

HARNESS = '''
"""A tiny harness: a Chat Completions tool loop run in the sandbox with its python3."""
from agentindex.agents.base import AgentOutcome

LOOP = r"""
import json, os, subprocess, urllib.request
url = os.environ["BASE_URL"] + "/v1/chat/completions"
tools = [{"type": "function", "function": {"name": "bash", "parameters": {
    "type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}}}]
messages = [{"role": "user", "content": os.environ["INSTRUCTION"]}]
for _ in range(5):
    body = json.dumps({"model": "m", "messages": messages, "tools": tools}).encode()
    req = urllib.request.Request(url, body, {"content-type": "application/json",
                                             "authorization": "Bearer " + os.environ["KEY"]})
    message = json.load(urllib.request.urlopen(req, timeout=60))["choices"][0]["message"]
    messages.append(message)
    if not message.get("tool_calls"):
        break
    for call in message["tool_calls"]:
        command = json.loads(call["function"]["arguments"])["command"]
        run = subprocess.run(["bash", "-c", command], capture_output=True, text=True)
        messages.append({"role": "tool", "tool_call_id": call["id"],
                         "content": run.stdout + run.stderr})
"""


class PlugHarness:
    name, version, uses_model = "plug-harness", None, True
    label = "Plug Harness"

    async def install(self, cache):
        return None

    async def run(self, ctx):
        env = {"BASE_URL": ctx.base_url, "KEY": ctx.api_key,
               "INSTRUCTION": ctx.task.instruction}
        result = await ctx.sandbox.exec(["python3", "-c", LOOP], env=env,
                                        timeout=ctx.timeout_sec,
                                        stdout=ctx.logs / "stdout.txt",
                                        stderr=ctx.logs / "stderr.txt")
        return AgentOutcome(result)
'''

BACKEND = '''
"""A tiny backend: bwrap, and a line per sandbox in the file $PLUG_BACKEND_LOG."""
import contextlib, os
from agentindex.sandbox.bwrap import BwrapBackend


class PlugBackend(BwrapBackend):
    name = "plug-bwrap"

    @contextlib.asynccontextmanager
    async def sandbox(self, spec):
        with open(os.environ["PLUG_BACKEND_LOG"], "a") as log:
            log.write(spec.trial_id + "\\n")
        async with super().sandbox(spec) as box:
            yield box
'''


def _wheel(where: Path, dist: str, module: str, source: str, entry_points: str,
           extra: dict[str, str] | None = None) -> Path:
    """A pure-Python wheel holding ``module``.py (or ``extra``'s files) and the given
    entry_points.txt."""
    info = f"{dist}-0.1.dist-info"
    files = {**({f"{module}.py": source} if source else {}), **(extra or {}),
             f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n",
             f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                              "Tag: py3-none-any\n",
             f"{info}/entry_points.txt": textwrap.dedent(entry_points)}
    record = [f"{name},sha256={_digest(text)},{len(text.encode())}"
              for name, text in files.items()]
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    path = where / f"{dist}-0.1-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return path


def _digest(text: str) -> str:
    raw = hashlib.sha256(text.encode()).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _benchmark_files() -> dict[str, str]:
    """A package whose folder holds a benchmark definition and its one task (a demo task's
    files)."""
    task = DEMO / "terminal" / "csv-to-json"
    files = {f"plug_bench/tasks/csv-to-json/{p.relative_to(task)}": p.read_text()
             for p in sorted(task.rglob("*")) if p.is_file()}
    files["plug_bench/__init__.py"] = ""
    files["plug_bench/plug-demo@1.toml"] = (
        'name = "plug-demo"\nversion = "1"\nkind = "terminal"\n'
        'description = "a benchmark from a plug-in package"\ntasks = "tasks"\n')
    return files


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv that sees agentindex (this checkout's environment), with the plug-in wheels
    installed into it by pip."""
    root = tmp_path_factory.mktemp("plugins")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")],
                   check=True)
    python = root / "venv" / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    ours = site.getsitepackages()[0]
    Path(purelib, "agentindex-host.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    wheels = [
        _wheel(root, "agentindex_plug_harness", "plug_harness", HARNESS,
               "[agentindex.agents]\nplug-harness = plug_harness:PlugHarness\n"),
        _wheel(root, "agentindex_plug_backend", "plug_backend", BACKEND,
               "[agentindex.backends]\nplug-bwrap = plug_backend:PlugBackend\n"),
        _wheel(root, "agentindex_plug_bench", "plug_bench", "",
               "[agentindex.benchmarks]\nplug-bench = plug_bench\n", _benchmark_files()),
        _wheel(root, "agentindex_plug_broken", "plug_broken", "import no_such_module\n",
               "[agentindex.agents]\nbroken = plug_broken:Broken\n"),
    ]
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-index", "--no-deps",
                    "--disable-pip-version-check", *map(str, wheels)], check=True)
    return root


def test_plugin_harness_backend_and_benchmark_run_a_demo_task(venv: Path) -> None:
    log = venv / "backend.log"
    run = subprocess.run(
        [str(venv / "venv" / "bin" / "python"), "-m", "agentindex.cli", "run",
         "-d", "plug-demo", "-a", "plug-harness", "-e", "plug-bwrap",
         "-m", "scripted/oracle", "-o", str(venv / "jobs"), "--job", "P"],
        capture_output=True, text=True, timeout=600, env={
            "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(Path.home()),
            "PLUG_BACKEND_LOG": str(log)})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    [trial] = list((venv / "jobs" / "P" / "trials").iterdir())
    result = json.loads((trial / "result.json").read_text())
    assert result["reward"] == 1.0, result
    assert log.read_text().split() == [trial.name]  # the plug-in backend made the sandbox
    calls = [json.loads(line) for line in (trial / "calls.jsonl").read_text().splitlines()]
    assert [(c["protocol"], c["status"]) for c in calls] == [("openai-chat", 200)] * 2


def test_a_plugin_that_fails_to_load_is_named(venv: Path) -> None:
    run = subprocess.run(
        [str(venv / "venv" / "bin" / "python"), "-m", "agentindex.cli", "run",
         "-d", str(DEMO / "terminal" / "csv-to-json"), "-a", "broken", "-m", "scripted/oracle",
         "-o", str(venv / "jobs"), "--job", "B"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "entry point agentindex.agents:broken = plug_broken:Broken (package " \
           "agentindex_plug_broken)" in run.stderr, run.stderr
    assert "ModuleNotFoundError: No module named 'no_such_module'" in run.stderr, run.stderr
