"""Provider keys stay in the gateway process: every harness runs with a recognisable fake key in
every provider's key variable, and nothing the job leaves (files under the job directory, the
SQLite store, report.html, every page ``agentindex view`` serves) contains one.

The forward providers (Anthropic, OpenAI, Google) point at a local fake that speaks their wire
format, so the gateway really reads each key and sends it upstream (asserted: the fake received
it); the scripted oracle drives every harness through a task. cursor-cli cannot be installed here
(its installer is on cursor.com): it runs from a cache entry marked installed but empty, so it gets
as far as launching (its launch record written, with ``CURSOR_API_KEY`` set), then exits 127.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from agentindex.agents.install import CACHE, DONE
from agentindex.gateway import ProvidersConfig
from agentindex.gateway.config import DEFAULT_PROVIDERS
from agentindex.report.render import write_report
from agentindex.runner.job import JobSpec, run_job
from agentindex.runner.plan import TrialOptions
from agentindex.runner.variants import Variant, expand_variants
from agentindex.sandbox import get_backend
from agentindex.store import STORE_FILE
from agentindex.tasks.catalog import resolve_datasets
from agentindex.view.app import make_app
from tests.conftest import TaskFactory
from tests.integration.gateway.upstream import FakeUpstream

pytestmark = pytest.mark.integration

HARNESSES = ["claude-code", "codex", "gemini-cli", "opencode", "qwen-code", "mini-swe-agent",
             "builtin"]
KEY_VARS = sorted({s["key_env"] for s in DEFAULT_PROVIDERS.values() if s.get("key_env")}
                  | {"CURSOR_API_KEY"})
MARK = "LEAKCANARY"
KEYS = {var: f"sk-{MARK}-{var.lower().replace('_', '-')}-5e8a1f03c7" for var in KEY_VARS}
FORWARD = {"anthropic": "anthropic/claude-x", "openai": "openai/gpt-x", "google": "google/gemini-x"}


def _job(name: str, jobs: Path, task: Path, variants: list[Variant], cache: Path,
         providers: ProvidersConfig) -> JobSpec:
    return JobSpec(name=name, jobs_dir=jobs, selection=resolve_datasets([str(task)]),
                   variants=variants, attempts=1, concurrency=len(variants),
                   backend=get_backend("bwrap"), agent_cache=cache,
                   options=TrialOptions(providers=providers, internet=False))


async def _pages(job_dir: Path) -> dict[str, bytes]:
    """Every page the view serves: the index (with each filter), the report, every trial."""
    server = TestServer(make_app(job_dir), host="127.0.0.1")
    await server.start_server()
    try:
        async with ClientSession() as http:
            async def get(path: str) -> bytes:
                async with http.get(server.make_url(path)) as resp:
                    assert resp.status == 200, path
                    return await resp.read()

            pages = {p: await get(p) for p in ("/", "/report", "/?outcome=errored")}
            for trial in (job_dir / "trials").iterdir():
                if not trial.name.startswith("."):
                    pages[f"/trial/{trial.name}"] = await get(f"/trial/{trial.name}")
            return pages
    finally:
        await server.close()


def _leaks(name: str, data: bytes) -> list[str]:
    return [f"{name}: {var}" for var, key in KEYS.items() if key.encode() in data] + \
        ([f"{name}: {MARK}"] if MARK.encode() in data else [])


def _store_text(job_dir: Path) -> bytes:
    """Every value of every table, as text (beside the file's raw bytes, also scanned)."""
    db = sqlite3.connect(job_dir / STORE_FILE)
    try:
        tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
        return "\n".join(repr(row) for t in tables
                         for row in db.execute(f'select * from "{t}"')).encode()
    finally:
        db.close()


# every harness at once on 2 cores: ~130 s quiet, over 300 s (the suite's default) at load
@pytest.mark.timeout(900)
def test_no_provider_key_in_any_artifact_report_or_page(
        make_task: TaskFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var, key in KEYS.items():
        monkeypatch.setenv(var, key)
    task = make_task("secret", agent_timeout=120.0)
    jobs = tmp_path / "jobs"

    async def scenario() -> tuple[FakeUpstream, list[Path]]:
        fake = FakeUpstream()
        runner = web.AppRunner(fake.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        providers = ProvidersConfig.defaults({p: {"base_url": f"{url}/{p}"} for p in FORWARD})
        try:
            harnesses = _job("harnesses", jobs, task,
                             expand_variants(HARNESSES, ["scripted/oracle"])
                             + expand_variants(["builtin"], list(FORWARD.values())),
                             CACHE, providers)
            # cursor-cli: marked installed in a cache of its own, so it gets as far as it can.
            cursor_cache = tmp_path / "cursor-cache"
            (cursor_cache / "cursor-cli@latest").mkdir(parents=True)
            (cursor_cache / "cursor-cli@latest" / DONE).write_text("stand-in\n")
            cursor = _job("cursor", jobs, task, expand_variants(["cursor-cli"], ["cursor/auto"]),
                          cursor_cache, providers)
            done = [await run_job(harnesses), await run_job(cursor)]
        finally:
            await runner.cleanup()
        return fake, [d.job_dir for d in done]

    fake, job_dirs = asyncio.run(scenario())

    # The keys really were in play: the gateway sent each forward provider its own key.
    sent = {h for s in fake.seen for h in s.headers.values()}
    assert {KEYS["ANTHROPIC_API_KEY"], f"Bearer {KEYS['OPENAI_API_KEY']}",
            KEYS["GEMINI_API_KEY"]} <= sent
    # cursor-cli was launched with its key (the launch record names the variable).
    cursor_trials = [t for t in (job_dirs[1] / "trials").iterdir() if not t.name.startswith(".")]
    assert len(cursor_trials) == 1
    launch = (cursor_trials[0] / "agent" / "launch.json").read_text()
    assert '"CURSOR_API_KEY": "<redacted>"' in launch

    leaks: list[str] = []
    for job_dir in job_dirs:
        trials = [t for t in (job_dir / "trials").iterdir() if not t.name.startswith(".")]
        assert trials and all((t / "agent" / "launch.json").is_file() for t in trials)
        write_report(job_dir)
        for path in sorted(job_dir.rglob("*")):
            if path.is_file():
                leaks += _leaks(str(path), path.read_bytes())
        leaks += _leaks("store rows", _store_text(job_dir))
        for page, body in asyncio.run(_pages(job_dir)).items():
            leaks += _leaks(f"view {page}", body)
    assert (job_dirs[0] / "report.html").is_file()
    assert leaks == []
