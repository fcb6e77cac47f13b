"""``-m google/gemini-3.1-pro`` end to end: the gateway sends the provider's id
(gemini-3.1-pro-preview) to a local fake speaking Gemini's wire format, the calls are priced with
that sheet, and the report shows both names."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
from aiohttp import web

from agentindex.gateway import ProvidersConfig
from agentindex.report.render import write_report
from agentindex.runner.job import JobSpec, run_job
from agentindex.runner.plan import TrialOptions
from agentindex.runner.variants import expand_variants
from agentindex.sandbox import get_backend
from agentindex.tasks.catalog import resolve_datasets
from tests.conftest import TaskFactory
from tests.integration.gateway.upstream import GEMINI_META, FakeUpstream

pytestmark = pytest.mark.integration


def test_alias_is_sent_as_the_providers_id_and_priced(make_task: TaskFactory, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")
    task = make_task("alias")

    async def scenario() -> tuple[FakeUpstream, Path]:
        fake = FakeUpstream()
        runner = web.AppRunner(fake.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            spec = JobSpec(name="alias", jobs_dir=tmp_path / "jobs",
                           selection=resolve_datasets([str(task)]),
                           variants=expand_variants(["builtin"], ["google/gemini-3.1-pro"]),
                           attempts=1, concurrency=1, backend=get_backend("bwrap"),
                           options=TrialOptions(providers=ProvidersConfig.defaults(
                               {"google": {"base_url": url}}), internet=False))
            return fake, (await run_job(spec)).job_dir
        finally:
            await runner.cleanup()

    fake, job_dir = asyncio.run(scenario())
    model_calls = [s for s in fake.seen if "Content" in s.path]
    assert model_calls and all("/models/gemini-3.1-pro-preview:" in s.path for s in model_calls)
    [variant] = write_report(job_dir).variants
    assert variant.model == "google/gemini-3.1-pro"
    assert variant.provider_model == "google/gemini-3.1-pro-preview"
    assert '"provider_model": "google/gemini-3.1-pro-preview"' in \
        (job_dir / "report.json").read_text()
    # One call: (700 prompt incl. 500 cached - 500) * $2 + 500 * $0.2 + (9 + 3) * $12 per MTok.
    assert GEMINI_META["promptTokenCount"] == 700 and len(model_calls) == 1
    assert Decimal(str(variant.cost_per_task_usd)) == Decimal("0.000644")
