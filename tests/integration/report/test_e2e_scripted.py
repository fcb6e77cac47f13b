"""End to end: the builtin harness runs the demo suite against scripted models through the real
gateway; report.json must match the known scripted usage and prices to the token and the cent.

Every demo task takes the scripted oracle two calls (the tool call that runs the reference
solution, then the final message), each with fixed usage (``agentindex.gateway.scripted``).
Over Anthropic Messages a call is 1200 uncached + 3400 cache read + 560 cache write (5 m) + 78
output = 5238 tokens, which costs

- at claude-sonnet-4-5's prices: 1200*3 + 3400*0.30 + 560*3.75 + 78*15 = 7890 µ$;
- at gpt-5's (no cache-write price: writes cost input): 1760*1.25 + 3400*0.125 + 78*10 = 3405 µ$.

Over OpenAI Chat Completions (the variant setting ``protocol``) the same response is 1760
uncached (the write arrives as input) + 3400 cached + 78 output of which 12 reasoning: the same
3405 µ$ at gpt-5's prices.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from agentindex.agents import AGENTS
from agentindex.report import load_report, write_report
from agentindex.runner.job import JobSpec, run_job
from agentindex.runner.variants import expand_variants
from agentindex.sandbox import get_backend
from agentindex.tasks.catalog import resolve_datasets

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif("builtin" not in AGENTS, reason="needs the builtin harness")]

SONNET = "scripted/oracle?price=anthropic/claude-sonnet-4-5"
GPT5 = "scripted/oracle?price=openai/gpt-5"
TASKS = 12  # the demo suite: 4 terminal, 4 patch, 4 qna


def _run(jobs: Path, name: str, models: list[str], settings: dict[str, Any]) -> Path:
    spec = JobSpec(name=name, jobs_dir=jobs, selection=resolve_datasets(["demo"]),
                   variants=expand_variants(["builtin"], models, settings), attempts=1,
                   concurrency=8, backend=get_backend("bwrap"))
    summary = asyncio.run(run_job(spec))
    write_report(summary.job_dir)
    return summary.job_dir


def _common(v: dict[str, Any]) -> None:
    assert v["trials"] == TASKS and v["errored"] == 0 and v["index"] == 100.0
    assert v["index_ci95"] == [100.0, 100.0]
    assert v["turns_per_task"] == 2.0 and v["side_calls_per_task"] == 0.0
    assert v["cache_hit_rate"] == round(3400 / 5160, 4)
    assert v["loop_rate"] == 0.0 and v["tokens_in_loops_per_task"] == 0.0
    assert v["usage_source"] == "gateway" and v["price_unknown"] is None
    assert v["spend_failed_usd"] == 0.0 and v["spend_retried_usd"] == 0.0
    assert v["reconciliation"]["trials"] == TASKS  # builtin reports its own usage
    diff = v["reconciliation"]["difference"]["tokens"]
    assert all(x in (0, None) for x in diff.values()), diff


def test_two_scripted_variants_to_the_token_and_the_cent(tmp_path: Path) -> None:
    job = _run(tmp_path, "two", [SONNET, GPT5], {})
    report = json.loads((job / "report.json").read_text())
    assert (job / "report.html").stat().st_size > 1_000_000  # plotly inlined
    by_model = {v["model"]: v for v in report["variants"]}
    sonnet, gpt5 = by_model[SONNET], by_model[GPT5]
    for v in (sonnet, gpt5):
        _common(v)
        assert v["tokens_per_task"] == {"input": 2400.0, "cache_read": 6800.0,
                                        "cache_write": 1120.0, "output": 156.0,
                                        "reasoning": None, "total": 10476.0}
        assert v["reconciliation"]["gateway"]["tokens"]["total"] == TASKS * 2 * 5238
    assert sonnet["cost_per_task_usd"] == 0.01578  # 2 x 7890 µ$
    assert sonnet["spend_total_usd"] == 0.18936  # 24 calls
    assert gpt5["cost_per_task_usd"] == 0.00681  # 2 x 3405 µ$
    assert gpt5["spend_total_usd"] == 0.08172
    assert sonnet["reconciliation"]["gateway"]["cost_usd"] == 0.18936
    assert set(report["price_sources"]) == {SONNET, GPT5}
    assert report["price_sources"][SONNET].endswith(": claude-sonnet-4-5")
    assert report["price_sources"][GPT5].endswith(": gpt-5")
    assert report["pareto_frontier"] == [gpt5["label"]]  # the same index for less


def test_openai_chat_protocol_counts_reasoning_and_no_cache_write(tmp_path: Path) -> None:
    a = _run(tmp_path, "anthropic", [SONNET], {})
    b = _run(tmp_path, "chat", [GPT5], {"protocol": "openai-chat"})
    report = load_report([a, b]).model_dump()  # two job directories, one report
    gpt5 = next(v for v in report["variants"] if v["model"] == GPT5)
    assert gpt5["tokens_per_task"] == {"input": 3520.0, "cache_read": 6800.0,
                                       "cache_write": None, "output": 156.0,
                                       "reasoning": 24.0, "total": 10476.0}
    _common(gpt5)
    assert gpt5["cost_per_task_usd"] == 0.00681
