"""A real model end to end: builtin, Claude Code and Codex against ``local/smollm2`` on a demo
task, through the real runner and CLI, with their lean prompts (``harness_prompt=lean``: the real
CLIs and tool loops, a short system prompt and only the shell tools). Every call is recorded with
the tokenizer's counts of what the model saw and wrote; the KV cache's reuse is the cache read;
every trial ends and is classified, whatever the model writes.

SmolLM2-135M does not call tools on these prompts (measured: docs/PERFORMANCE.md), so each trial
ends after one model turn; each harness runs two attempts, and the second one's prompt, the same
as the first's, must be read from the KV cache: the cache read is a real measurement."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from agentindex.errors import ErrorClass

from .local_trace import check_kv_reuse, check_usage, read_trace

pytestmark = pytest.mark.integration

TASK = Path(__file__).resolve().parents[2] / "src/agentindex/data/demo/terminal/csv-to-json"
MODEL = "local/smollm2?max_tokens=48&max_turns=3"
PROTOCOL = {"builtin": "anthropic", "claude-code": "anthropic", "codex": "openai-responses"}
HARNESSES = sorted(PROTOCOL)
# Their default prompts (Claude Code ~13k tokens, Codex ~7k) take SmolLM2 minutes per call to
# prefill on one loaded CPU thread; the lean ones are ~1.5k (docs/PERFORMANCE.md, "Local model").
LEAN_PROMPT_TOKENS = 2000


@pytest.mark.timeout(1300)  # the run below may take up to 1200 s on a loaded machine
def test_real_harnesses_against_a_real_small_model(tmp_path: Path) -> None:
    trace_file = tmp_path / "trace.jsonl"
    args = [sys.executable, "-m", "agentindex.cli", "run", "-d", str(TASK),
            *(a for h in HARNESSES for a in ("-a", h)), "-m", MODEL, "-o", str(tmp_path),
            "--setting", "harness_prompt=lean", "--job", "L", "-n", "1", "-k", "2"]
    env = {**os.environ, "AGENTINDEX_LOCAL_TRACE": str(trace_file)}
    done = subprocess.run(args, capture_output=True, text=True, timeout=1200, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    with sqlite3.connect(tmp_path / "L" / "results.sqlite") as db:
        db.row_factory = sqlite3.Row
        agents = {r["variant_key"]: r["agent"] for r in db.execute("select * from variants")}
        trials = [dict(r) for r in db.execute("select * from trials")]
        calls = [dict(r) for r in db.execute("select * from calls order by started_at")]
    trace = read_trace(trace_file)
    assert sorted(agents.values()) == HARNESSES
    assert len(trials) == 2 * len(HARNESSES)
    generated = [c for c in calls if c["started_at"] in trace]
    # Every generation the model made is a recorded call (and nothing else was generated).
    assert len(generated) == len(trace)
    check_kv_reuse(trace)
    for t in trials:
        agent = agents[t["variant_key"]]
        # Ended (by the harness, its timeout or the turn limit) and classified.
        assert t["error_class"] in (None, *ErrorClass), (agent, t["error_message"])
        assert t["reward"] is not None or t["error_class"] is not None, agent
        mine = [c for c in calls if c["trial_id"] == t["trial_id"]]
        assert mine, agent
        assert {c["protocol"] for c in mine} == {PROTOCOL[agent]}
        turns = [c for c in mine if c["started_at"] in trace]
        assert turns, (agent, [c["error"] for c in mine])
        for n, call in enumerate(turns):
            check_usage(call, trace)
            if n == 0:  # the lean prompt, not the harness's default one
                assert call["input"] + call["cache_read"] < LEAN_PROMPT_TOKENS, (agent, call)
            assert call["queue_s"] is not None and call["queue_s"] >= 0
            if n > 0 or t["attempt"] == 2:  # a later turn, or the first attempt's prompt again
                assert call["cache_read"] > 0, (agent, n)
            if n == 0 and t["attempt"] == 2:  # all of it but the token evaluated again
                assert call["input"] == 1, (agent, call)
        for call in mine:
            if call["started_at"] not in trace:  # answered without the model
                assert call["error"].startswith("turn limit reached"), call["error"]
        trial_dir = tmp_path / "L" / "trials" / t["trial_id"]
        assert len((trial_dir / "calls.jsonl").read_text().splitlines()) == len(mine)
    report = json.loads((tmp_path / "L" / "report.json").read_text())
    labels = sorted(v["label"] for v in report["variants"])
    assert all(label.endswith(f"{MODEL} (lean prompt)") for label in labels), labels
    assert all(v["cost_per_task_usd"] == 0 for v in report["variants"])
