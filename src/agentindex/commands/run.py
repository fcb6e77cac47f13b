"""``agentindex run``: resolve the config, run the job, write report.json, print the table."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from rich.console import Console

from agentindex.commands.progress import LiveProgress
from agentindex.config import JobConfig
from agentindex.errors import ConfigError
from agentindex.gateway import ProvidersConfig
from agentindex.report import write_report
from agentindex.report.table import leaderboard
from agentindex.runner.executors import get_executor
from agentindex.runner.job import JobSpec, run_job
from agentindex.runner.plan import TrialOptions
from agentindex.runner.policy import Policy
from agentindex.runner.validity import read_manifest, valid_only
from agentindex.runner.variants import expand_variants
from agentindex.sandbox import get_backend
from agentindex.tasks.catalog import Selection, resolve_datasets


def build_spec(config: JobConfig) -> JobSpec:
    if not config.datasets:
        raise ConfigError("run", "--dataset", "name at least one dataset (-d demo)")
    if not config.agents:
        raise ConfigError("run", "--agent", "name at least one agent (-a oracle)")
    selection = resolve_datasets(config.datasets)
    excluded: dict[str, dict[str, str]] = {}
    manifest = config.valid_only or index_manifest(selection)
    if manifest is not None:
        selection, excluded = valid_only(selection, read_manifest(manifest), manifest)
    attempts = config.attempts or (selection.index.attempts if selection.index else 1)
    variants = expand_variants(config.agents, config.models, config.settings)
    try:
        policy = Policy.with_overrides(config.error_policy)
    except (ValueError, TypeError, KeyError) as e:
        raise ConfigError("job config", "error_policy", str(e)) from None
    options = TrialOptions(
        policy=policy, timeout_multiplier=config.timeout_multiplier, internet=config.internet,
        providers=ProvidersConfig.load(config.providers) if config.providers else None,
        allow_unenforced_limits=config.allow_unenforced_limits, judge_model=config.judge_model,
        trajectories=config.trajectories, trajectory_max_text=config.trajectory_max_text,
        clamp_resources=config.clamp_resources, verifier_tools=config.verifier_tools)
    return JobSpec(
        name=config.job or config.default_job_name(attempts), jobs_dir=config.jobs_dir.resolve(),
        selection=selection, variants=variants, attempts=attempts,
        concurrency=config.concurrency, backend=get_backend(config.env), options=options,
        scratch_root=config.scratch, executor=get_executor(config.executor, config.ray_address),
        seal_history=config.seal_history, excluded=excluded,
        config={**config.model_dump(mode="json"), "attempts": attempts,
                "resolved": {"index_definition": selection.index.ref if selection.index else None,
                             "valid_only": str(manifest) if manifest else None,
                             "benchmarks": {b.ref: [t.name for t in b.tasks]
                                            for b in selection.benchmarks}}})


def parse_settings(items: list[str]) -> dict[str, Any]:
    """``--setting KEY=VALUE`` flags -> settings; a value is read as in a YAML config file
    (``3`` is a number, ``lean`` a string)."""
    import yaml  # here: a run given only flags does not pay for it

    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError("--setting", None, f"expected KEY=VALUE, got {item!r}")
        try:
            out[key.strip()] = yaml.safe_load(value) if value else ""
        except yaml.YAMLError:
            out[key.strip()] = value
    return out


def index_manifest(selection: Selection) -> Path | None:
    """The validity manifest the index definition names (``valid_only``), if any."""
    index = selection.index
    return Path(index.valid_only) if index is not None and index.valid_only else None


def run_command(path: Path | None, overrides: dict[str, Any], console: Console,
                settings: list[str] | None = None) -> int:
    base = JobConfig.from_yaml(path) if path else JobConfig()
    if settings:
        overrides = {**overrides, "settings": {**base.settings, **parse_settings(settings)}}
    config = base.model_copy(update=overrides)
    config = JobConfig.model_validate(config.model_dump())  # validate flag values too
    spec = build_spec(config)
    selection = spec.selection
    for warning in selection.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    console.print(f"job [bold]{spec.name}[/bold] in {spec.job_dir}: "
                  f"{', '.join(b.ref for b in selection.benchmarks)} × "
                  f"{len(spec.variants)} variant(s) × {spec.attempts} attempt(s)", highlight=False)
    with LiveProgress(console) as progress:
        summary = asyncio.run(run_job(spec, progress))
    report = write_report(summary.job_dir)
    console.print(leaderboard(report))
    console.print(f"ran {summary.ran} trial(s), {summary.skipped} already done; report: "
                  f"{summary.job_dir / 'report.json'} and report.html beside it", highlight=False)
    return 0



