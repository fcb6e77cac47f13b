"""The command line. Parsing and calling only: the logic lives in the packages it calls."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from agentindex.errors import AgentIndexError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Benchmark coding-agent harnesses paired with models.")
tasks_app = typer.Typer(no_args_is_help=True, help="Work with task directories.")
app.add_typer(tasks_app, name="tasks")
sandbox_app = typer.Typer(no_args_is_help=True, help="Sandbox backends and their images.")
app.add_typer(sandbox_app, name="sandbox")
cluster_app = typer.Typer(no_args_is_help=True, help="Ray clusters that run trials.")
app.add_typer(cluster_app, name="cluster")
datasets_app = typer.Typer(no_args_is_help=True,
                            help="Benchmark datasets: pull, list, import releases.")
app.add_typer(datasets_app, name="datasets")
import_app = typer.Typer(no_args_is_help=True,
                         help="Turn a local copy of a public release into task directories.")
datasets_app.add_typer(import_app, name="import")
agents_app = typer.Typer(no_args_is_help=True, help="Harnesses: install them ahead of time.")
app.add_typer(agents_app, name="agents")
# Logs and CI are not terminals: give tables room there instead of rich's 80 columns.
console = Console(width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 200)


@app.command()
def run(
    config: Annotated[Path | None, typer.Argument(help="JOB.yaml (flags override it)")] = None,
    dataset: Annotated[list[str] | None, typer.Option("-d", "--dataset",
                       help="index definition, benchmark or task path")] = None,
    agent: Annotated[list[str] | None, typer.Option("-a", "--agent")] = None,
    model: Annotated[list[str] | None, typer.Option("-m", "--model")] = None,
    setting: Annotated[list[str] | None, typer.Option(
        "--setting", help="KEY=VALUE variant setting, e.g. harness_prompt=lean or "
                          "reasoning_effort=high (over the config file's settings)")] = None,
    env: Annotated[str | None, typer.Option("-e", "--env", help="sandbox backend")] = None,
    attempts: Annotated[int | None, typer.Option("-k", "--attempts", min=1)] = None,
    concurrency: Annotated[int | None, typer.Option("-n", "--concurrency", min=1)] = None,
    jobs_dir: Annotated[Path | None, typer.Option("-o", "--jobs-dir")] = None,
    job: Annotated[str | None, typer.Option("--job", help="job name (default: derived)")] = None,
    timeout_multiplier: Annotated[float | None, typer.Option(min=0.01)] = None,
    internet: Annotated[bool | None, typer.Option(
        "--internet/--no-internet", help="override every task's allow_internet")] = None,
    providers: Annotated[Path | None, typer.Option(
        "--providers", help="the gateway's providers file (TOML)")] = None,
    scratch: Annotated[Path | None, typer.Option(
        "--scratch", help="where sandboxes work while trials run, e.g. /dev/shm")] = None,
    trajectories: Annotated[bool | None, typer.Option(
        "--trajectories/--no-trajectories",
        help="record each trial's conversation (prompts, responses, tool results) at the "
             "gateway; off: no prompt or response text is stored")] = None,
    allow_unenforced_limits: Annotated[bool | None, typer.Option(
        "--allow-unenforced-limits", help="run tasks whose memory/cpu limits the backend cannot "
        "enforce (recorded on each trial) instead of refusing them")] = None,
    executor: Annotated[str | None, typer.Option(
        "--executor", help="where trials run: local | ray")] = None,
    ray_address: Annotated[str | None, typer.Option(
        "--ray-address", help="Ray cluster to join (auto: the running one; default: start one)")
    ] = None,
    judge_model: Annotated[str | None, typer.Option(
        "--judge-model", help="provider/model judging tasks whose verifier calls a model "
                              "(default: the model each task names)")] = None,
    seal_history: Annotated[bool | None, typer.Option(
        "--seal-history", help="patch tasks: only the base commit's git history")] = None,
    clamp_resources: Annotated[bool | None, typer.Option(
        "--clamp-resources", help="clamp tasks asking more CPUs/memory than the machine has")
    ] = None,
    valid_only: Annotated[Path | None, typer.Option(
        "--valid-only", help="a validity manifest: run only the tasks it calls valid")] = None,
) -> None:
    """Run trials (variants x tasks x attempts); a re-run runs only what is missing."""
    from agentindex.commands.run import run_command

    overrides: dict[str, Any] = {
        "datasets": dataset, "agents": agent, "models": model, "env": env,
        "attempts": attempts, "concurrency": concurrency, "jobs_dir": jobs_dir, "job": job,
        "timeout_multiplier": timeout_multiplier, "internet": internet, "providers": providers,
        "scratch": scratch, "trajectories": trajectories,
        "allow_unenforced_limits": allow_unenforced_limits,
        "executor": executor, "ray_address": ray_address,
        "judge_model": judge_model, "seal_history": seal_history,
        "clamp_resources": clamp_resources, "valid_only": valid_only}
    _guard(lambda: run_command(config, {k: v for k, v in overrides.items() if v is not None},
                               console, setting or []))


@app.command()
def report(
    job_dirs: Annotated[list[Path], typer.Argument(help="job directories (same tasks, "
                                                        "different variants)")],
    format: Annotated[str, typer.Option("--format", help="table | json | csv | html")] = "table",
    out: Annotated[Path | None, typer.Option("--out", help="write here instead of stdout")] = None,
    price_date: Annotated[str | None, typer.Option(
        "--price-date", help="re-price the stored calls at YYYY-MM-DD")] = None,
) -> None:
    """Show the leaderboard of one or more jobs, or write it as JSON, CSV or HTML."""
    from agentindex.commands.report import report_command

    _guard(lambda: report_command(job_dirs, format, out, console, price_date))


@app.command()
def view(
    job_dir: Annotated[Path, typer.Argument(help="a job directory")],
    host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port (0: any free port)")] = 8765,
) -> None:
    """Browse a job's report and trials (calls, agent and verifier output) in a browser."""
    from agentindex.commands.view import view_command

    _guard(lambda: view_command(job_dir, host, port, console))


@tasks_app.command("check")
def tasks_check(
    paths: Annotated[list[Path], typer.Argument(help="task directories or folders of tasks")],
    env: Annotated[str, typer.Option("-e", "--env")] = "bwrap",
    run: Annotated[bool, typer.Option("--run/--no-run", help="--no-run: load and check the "
                                      "tasks only, build and run nothing")] = True,
) -> None:
    """Load each task and run it with oracle (must score 1) and nop (must score 0)."""
    from agentindex.commands.check import check_command

    _guard(lambda: check_command(paths, env, console, run))


@tasks_app.command("audit")
def tasks_audit(
    paths: Annotated[list[Path], typer.Argument(help="task directories or folders of tasks")],
) -> None:
    """Build each task's environment and list what could reveal its fix (git history beyond
    the base commit, remotes, baked-in /solution or /tests); exit 1 if anything is found."""
    from agentindex.commands.audit import audit_command

    _guard(lambda: audit_command(paths, console))


@app.command()
def export(
    job_dir: Annotated[Path, typer.Argument(help="a job directory")],
    fmt: Annotated[str, typer.Option(
        "--format", help="atif (Harbor's trajectory format)")] = "atif",
    out: Annotated[Path | None, typer.Option(
        "--out", help="directory for the files (default: JOB/export/FORMAT)")] = None,
) -> None:
    """Write each trial's trajectory in a format other tools read (one file per trial)."""
    from agentindex.commands.export import export_command

    _guard(lambda: export_command(job_dir, fmt, out, console))


@app.command()
def gateway(
    host: Annotated[str, typer.Option(help="address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port (0: any free port)")] = 8788,
    providers: Annotated[Path | None, typer.Option(help="providers config (TOML)")] = None,
) -> None:
    """Run the metering gateway on its own; each call is printed as a JSON line."""
    from agentindex.gateway.cli import serve

    _guard(lambda: serve(host, port, providers))


@app.command()
def prices(
    models: Annotated[list[str], typer.Argument(help="provider/model ...")],
    date: Annotated[str | None, typer.Option("--date", help="price date YYYY-MM-DD")] = None,
) -> None:
    """Show the price sheet used for each model, at a price date (default: today)."""
    from agentindex.commands.prices import prices_command

    _guard(lambda: prices_command(models, date, console))


@sandbox_app.command("base-image")
def sandbox_base_image(
    tag: Annotated[str, typer.Option(help="image tag")] = "localhost/debian:bookworm",
    engine: Annotated[str, typer.Option(help="podman or docker")] = "podman",
    suite: Annotated[str, typer.Option(help="Debian suite")] = "bookworm",
    mirror: Annotated[str | None, typer.Option(help="Debian mirror (default: the host's)")] = None,
    cache: Annotated[Path | None, typer.Option(
        help="where the root filesystem tarball is kept (default: the cache directory)")] = None,
    force: Annotated[bool, typer.Option(help="rebuild even if the image exists")] = False,
) -> None:
    """Build a Debian base image from Debian's packages (debootstrap), for offline builds."""
    from agentindex.commands.base_image import base_image_command

    _guard(lambda: base_image_command(tag, engine, suite, mirror, cache, force, console))


@agents_app.command("install")
def agents_install(
    agents: Annotated[list[str] | None, typer.Argument(
        help="NAME[@VERSION] ... (default: every installable harness)")] = None,
) -> None:
    """Install harnesses into the cache ahead of time, so no trial pays for it."""
    from agentindex.commands.agents import agents_install_command

    _guard(lambda: agents_install_command(agents or [], console, err))


@cluster_app.command("check")
def cluster_check(
    address: Annotated[str, typer.Option("--ray-address", help="the cluster (auto: the one "
                                         "running here)")] = "auto",
) -> None:
    """Per node: its sandbox backends (really started), free resources, cached agents, whether
    its gateway answers, and which provider keys are set there (names only)."""
    from agentindex.commands.cluster import cluster_check_command

    _guard(lambda: cluster_check_command(address, console))


@import_app.command("swe-bench-pro")
def import_swe_bench_pro(
    src: Annotated[Path, typer.Argument(help="a copy of scaleapi/SWE-bench_Pro-os")],
    out: Annotated[Path, typer.Argument(help="where the task directories go")],
    instances: Annotated[Path | None, typer.Option(
        help="the instances JSONL (default: SRC/helper_code/sweap_eval_full_v2.jsonl)")] = None,
    ids: Annotated[Path | None, typer.Option(
        help="only these instances: ids one per line, or a subset manifest (.json)")] = None,
    grading_only: Annotated[bool, typer.Option(
        help="without the JSONL: only the grading part, from the per-instance files")] = False,
    dockerhub_user: Annotated[str, typer.Option(
        help="the account the official images are under")] = "jefzda",
) -> None:
    """SWE-Bench Pro instances as Harbor-format task directories, graded as the official
    evaluator grades them."""
    from agentindex.commands.datasets import import_swe_bench_pro_command

    _guard(lambda: import_swe_bench_pro_command(src, out, instances, ids, grading_only,
                                                dockerhub_user, console))


@app.command()
def validate(
    dataset: Annotated[list[str] | None, typer.Option("-d", "--dataset",
                       help="benchmark, index definition or task path")] = None,
    env: Annotated[str, typer.Option("-e", "--env", help="sandbox backend")] = "container",
    concurrency: Annotated[int, typer.Option("-n", "--concurrency", min=1)] = 2,
    jobs_dir: Annotated[Path, typer.Option("-o", "--jobs-dir")] = Path("jobs"),
    job: Annotated[str | None, typer.Option("--job", help="job name (default: derived)")] = None,
    clamp_resources: Annotated[bool, typer.Option("--clamp-resources")] = False,
    include_excluded: Annotated[bool, typer.Option(
        help="also the tasks the benchmark's exclude list leaves out")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="manifest path")] = None,
    run: Annotated[bool, typer.Option("--run/--no-run", help="--no-run: only write the "
                                      "manifest from what has run so far")] = True,
    rerun_errors: Annotated[list[str] | None, typer.Option(
        "--rerun-errors", help="run again the trials that ended in this environment error class "
        "(sandbox, install, internal, verifier, upstream; 'all': every one), e.g. once the "
        "environment was fixed; repeatable")] = None,
    keep_images: Annotated[bool, typer.Option(
        "--keep-images", help="keep each task's built images (default: removed once its "
        "trials are over; stand-ins stay)")] = False,
) -> None:
    """Run oracle and nop on every task here and write a validity manifest (resumable)."""
    from agentindex.commands.validate import validate_command

    _guard(lambda: validate_command(dataset or [], env, concurrency, jobs_dir, job,
                                    clamp_resources, include_excluded, out, run, console,
                                    rerun_errors or [], keep_images))


@sandbox_app.command("verifier-python")
def sandbox_verifier_python(
    version: Annotated[str, typer.Argument(help="the Python a benchmark's verifier asks for")]
    = "3.13",
    force: Annotated[bool, typer.Option(help="rebuild even if it is built")] = False,
) -> None:
    """Build the Python the verifier gets where the image has none (once per machine; a run
    that needs it builds it on first need otherwise)."""
    from agentindex.commands.standin import verifier_python_command

    _guard(lambda: verifier_python_command(version, force, console))


@sandbox_app.command("stand-in")
def sandbox_stand_in(
    images: Annotated[list[str], typer.Argument(help="base references, e.g. ubuntu:24.04")],
    engine: Annotated[str, typer.Option(help="podman or docker")] = "podman",
    force: Annotated[bool, typer.Option(help="rebuild even if the image exists")] = False,
) -> None:
    """Build stand-ins for public base images from Debian's packages (marked as stand-ins)."""
    from agentindex.commands.standin import stand_in_command

    _guard(lambda: stand_in_command(images, engine, force, console))


@datasets_app.command("pull")
def datasets_pull(
    names: Annotated[list[str], typer.Argument(help="benchmarks or index definitions")],
    source: Annotated[str | None, typer.Option(
        "--source", help="read this mirror (git repository or archive) instead")] = None,
    allow_missing: Annotated[bool, typer.Option(
        help="pull even if the source lacks some files (they are recorded)")] = False,
) -> None:
    """Fetch each benchmark's pinned source once into the cache, verified."""
    from agentindex.commands.datasets import pull_command

    _guard(lambda: pull_command(names, source, allow_missing, console))


@datasets_app.command("list")
def datasets_list() -> None:
    """Show the datasets present in the cache."""
    from agentindex.commands.datasets import list_command

    _guard(lambda: list_command(console))


def _guard(action: Any) -> None:
    """User errors become one clear line and exit code 2, never a traceback."""
    if not gc.isenabled():  # main() turned it off while modules load; they are loaded now:
        gc.freeze()  # what they made lives as long as the process, never to be scanned again
        gc.enable()
    try:
        code = action()
    except AgentIndexError as e:
        err.print(f"[red]error:[/red] {e}", highlight=False)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err.print("interrupted: finished trials are saved; run the same command to resume")
        raise typer.Exit(130) from None
    if code:
        raise typer.Exit(code)


def main() -> None:
    # Off while modules load: class creation makes many objects and no garbage, and each
    # collection of the young generation meanwhile was ~3 % of a re-run's instructions.
    gc.disable()
    app()


if __name__ == "__main__":
    main()

