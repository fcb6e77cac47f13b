"""Images for real tasks on podman: stand-ins built from Debian's packages are used for public
bases and marked on every trial and in the report; a task whose image cannot be had names every
step that failed; a task asking for more than the machine has is refused or clamped."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agentindex.report import write_report
from tests.conftest import write_task
from tests.integration.helpers import run, trial_rows
from tests.integration.sandbox.conftest import needs_podman

pytestmark = [pytest.mark.integration, needs_podman]


def test_a_stand_in_base_is_used_and_marked(base_image: str, tmp_path: Path) -> None:
    built = subprocess.run([sys.executable, "-m", "agentindex.cli", "sandbox", "stand-in",
                            "debian:12-slim"], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    assert "as localhost/agentindex-standin/debian:12-slim from Debian bookworm" in built.stdout
    write_task(tmp_path / "tasks", "on-stand-in",
               dockerfile="FROM docker.io/library/debian:12-slim\nWORKDIR /app\n")
    summary = run(tmp_path / "tasks", ["oracle", "nop"], tmp_path / "jobs", backend="container")
    rows = {r["agent"]: r for r in trial_rows(summary.job_dir)}
    assert (rows["oracle"]["reward"], rows["nop"]["reward"]) == (1.0, 0.0)
    for row in rows.values():
        result = json.loads((summary.job_dir / "trials" / row["trial_id"] / "result.json")
                            .read_text())
        env = result["environment"]
        assert env["stand_in_for"] == "debian:12-slim"
        assert env["image"].startswith("localhost/agentindex-env:")
        inspected = subprocess.run(["podman", "image", "inspect", "--format", "{{.Id}}",
                                    env["image"]], capture_output=True, text=True).stdout.strip()
        assert env["image_id"] == inspected
    report = write_report(summary.job_dir)
    for variant in report.variants:
        assert variant.benchmarks["tasks@local"].stand_in_trials == 1


def test_an_image_that_cannot_be_had_names_each_step(base_image: str, tmp_path: Path) -> None:
    toml = ('version = "1.0"\n[agent]\ntimeout_sec = 30.0\n[verifier]\ntimeout_sec = 30.0\n'
            '[environment]\ndocker_image = "agentindex.invalid/nothing:1"\n')
    write_task(tmp_path / "tasks", "no-image", toml=toml,
               dockerfile=f"FROM {base_image}\nRUN echo broken-step && exit 3\n")
    summary = run(tmp_path / "tasks", ["oracle", "nop"], tmp_path / "jobs", backend="container",
                  concurrency=1)
    rows = sorted(trial_rows(summary.job_dir), key=lambda r: r["started_at"])
    for row in rows:
        assert row["error_class"] == "sandbox" and row["tries"] == 3  # retried per the policy
        message = row["error_message"]
        assert "no image: agentindex.invalid/nothing:1 is not present locally; " in message
        assert "pulling agentindex.invalid/nothing:1 failed: " in message
        assert "building environment/Dockerfile failed (exit " in message
    # the build ran once; every later try says it failed already instead of building again
    assert "this build failed once already in this run" in rows[-1]["error_message"]


def test_more_than_the_machine_has_is_refused_or_clamped(tmp_path: Path) -> None:
    toml = ('version = "1.0"\n[agent]\ntimeout_sec = 30.0\n[verifier]\ntimeout_sec = 30.0\n'
            '[environment]\ncpus = 512\nmemory = "2G"\n')
    write_task(tmp_path / "tasks", "greedy", toml=toml)
    refused = run(tmp_path / "tasks", ["oracle"], tmp_path / "jobs", job="refused")
    [row] = trial_rows(refused.job_dir)
    assert row["error_class"] == "config" and row["reward"] is None
    assert "asks for more than this machine has: cpus 512 (the machine has " in \
        row["error_message"]
    assert "--clamp-resources" in row["error_message"]
    clamped = run(tmp_path / "tasks", ["oracle"], tmp_path / "jobs", job="clamped",
                  clamp_resources=True)
    [row] = trial_rows(clamped.job_dir)
    assert (row["reward"], row["error_class"]) == (1.0, None)
    asked, given = row["environment"]["clamped"]["cpus"]
    assert asked == 512 and 1 <= given < 512


def test_the_site_settings_reach_the_run_steps_of_a_build(base_image: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A RUN step's pip or curl sees the site's CA bundle and proxy (``podman build --env``
    alone sets them only on the built image: pip in a RUN step failed its TLS check)."""
    site = tmp_path / "site.toml"
    site.write_text('[network]\nca_bundle = "/etc/ssl/certs/ca-certificates.crt"\n'
                    'https_proxy = "http://proxy.invalid:3128"\n')
    monkeypatch.setenv("AGENTINDEX_SITE", str(site))
    check = ('RUN test "$PIP_CERT" = /opt/agentindex/ca-bundle.crt && test -s "$PIP_CERT" '
             '&& test "$https_proxy" = http://proxy.invalid:3128')
    write_task(tmp_path / "tasks", "site-aware",
               dockerfile=f"FROM {base_image}\n{check}\nWORKDIR /app\n")
    summary = run(tmp_path / "tasks", ["oracle"], tmp_path / "jobs", backend="container")
    [row] = trial_rows(summary.job_dir)
    assert (row["reward"], row["error_class"]) == (1.0, None), row["error_message"]


def test_a_task_image_is_built_again_when_its_base_is_rebuilt(base_image: str,
                                                                tmp_path: Path) -> None:
    """A stand-in rebuilt with more packages under the same name must reach the tasks built on
    it: the bases' image ids are part of a task image's key."""
    base = f"localhost/agentindex-test-base-{tmp_path.name.lower()}:1"

    def build_base(marker: str) -> None:
        ctx = tmp_path / f"base-{marker}"
        ctx.mkdir()
        (ctx / "Dockerfile").write_text(f"FROM {base_image}\nRUN echo {marker} > /marker\n")
        subprocess.run(["podman", "build", "-q", "-t", base, str(ctx)], check=True,
                       capture_output=True, timeout=300)

    solve = "cp /marker /app/out.txt"
    try:
        build_base("first")
        write_task(tmp_path / "tasks", "on-base", solve=solve,
                   dockerfile=f"FROM {base}\nWORKDIR /app\n")
        first = run(tmp_path / "tasks", ["oracle"], tmp_path / "jobs", job="a",
                    backend="container")
        build_base("done")  # the test wants "done": only the rebuilt base gives it
        second = run(tmp_path / "tasks", ["oracle"], tmp_path / "jobs", job="b",
                     backend="container")
        [a], [b] = trial_rows(first.job_dir), trial_rows(second.job_dir)
        assert (a["reward"], b["reward"]) == (0.0, 1.0)
        images = [json.loads((job.job_dir / "trials" / r["trial_id"] / "result.json")
                             .read_text())["environment"]["image"]
                  for job, r in ((first, a), (second, b))]
        assert images[0] != images[1]
    finally:
        subprocess.run(["podman", "rmi", "-f", base], capture_output=True)


def _built_for(task_dir: Path) -> list[str]:
    from agentindex.sandbox.images import TASK_LABEL
    from agentindex.tasks.loader import load_task

    digest = load_task(task_dir).digest
    out = subprocess.run(["podman", "images", "-q", "--filter", f"label={TASK_LABEL}={digest}"],
                         capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_validate_removes_each_tasks_built_images_once_its_trials_are_over(
        base_image: str, tmp_path: Path) -> None:
    tasks = tmp_path / "tasks"
    # a RUN step with this test's path in it: an image of its own, never one of another test's
    kept = write_task(tasks, "kept", dockerfile=f"FROM {base_image}\n"
                      f"RUN echo {tmp_path.name}-kept > /built\nWORKDIR /app\n")
    freed = write_task(tmp_path / "other", "freed", dockerfile=f"FROM {base_image}\n"
                       f"RUN echo {tmp_path.name}-freed > /built\nWORKDIR /app\n")
    cli = [sys.executable, "-m", "agentindex.cli", "validate", "-e", "container",
           "-o", str(tmp_path / "jobs")]
    done = subprocess.run([*cli, "-d", str(freed.parent), "--job", "freed"],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert "freed: removed 1 image(s) built for it" in done.stdout
    assert _built_for(freed) == []
    manifest = json.loads((tmp_path / "jobs" / "freed" / "validity.json").read_text())
    assert manifest["benchmarks"][0]["tasks"]["freed"]["validity"] == "valid"
    kept_run = subprocess.run([*cli, "-d", str(tasks), "--job", "kept", "--keep-images"],
                              capture_output=True, text=True, timeout=900)
    assert kept_run.returncode == 0, kept_run.stderr
    assert len(_built_for(kept)) == 1
    subprocess.run(["podman", "rmi", "--force", *_built_for(kept)], capture_output=True)
    # the base the tasks were built on is never removed
    assert subprocess.run(["podman", "image", "exists", base_image]).returncode == 0


def test_removing_a_tasks_images_leaves_a_build_that_shares_its_layers_alone(
        base_image: str, tmp_path: Path) -> None:
    """Two tasks whose Dockerfiles start alike share the engine's cached layers. Removing the
    first task's images (its trials are over) while the second one builds must not take the
    second build's containers with it: under ``validate -n 2`` that failed whole builds with
    "identifier is not a container"."""
    import asyncio

    from agentindex.sandbox.images import ImageCache
    from agentindex.tasks.loader import load_task

    shared = f"FROM {base_image}\nRUN echo {tmp_path.name}-shared > /shared\n"
    done = load_task(write_task(tmp_path / "tasks", "done", dockerfile=shared + "WORKDIR /app\n"))
    slow = load_task(write_task(tmp_path / "tasks", "slow", dockerfile=shared +
                                "RUN sleep 6 && echo built > /slow\nWORKDIR /app\n"))
    cache = ImageCache("podman")

    async def scenario() -> tuple[list[str], str]:
        await cache.image_for(done, tmp_path / "logs" / "done" / "build.log")
        building = asyncio.create_task(cache.image_for(slow, tmp_path / "logs" / "slow.log"))
        await asyncio.sleep(3)  # the slow build is in its `sleep`, on the shared layer
        removed = await cache.remove_built(done)
        return removed, await building

    removed, image = asyncio.run(scenario())
    try:
        assert len(removed) == 1 and _built_for(done.path) == []
        out = subprocess.run(["podman", "run", "--rm", image, "cat", "/shared", "/slow"],
                             capture_output=True, text=True, timeout=120)
        assert out.stdout.split() == [f"{tmp_path.name}-shared", "built"], out.stderr
    finally:
        subprocess.run(["podman", "rmi", "--force", *_built_for(slow.path)], capture_output=True)


def test_a_dockerfile_copying_uv_from_its_image_builds_on_the_stand_in(
        base_image: str, tmp_path: Path) -> None:
    """``COPY --from=ghcr.io/astral-sh/uv:X /uv /uvx /bin/`` (two TB2 tasks) needs that image:
    the stand-in holds uv X's binaries from PyPI, and the build copies from it."""
    from agentindex.runner.verifier_tools import UV_VERSION  # in pip's cache after setup

    ref = f"ghcr.io/astral-sh/uv:{UV_VERSION}"
    built = subprocess.run([sys.executable, "-m", "agentindex.cli", "sandbox", "stand-in", ref],
                           capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stderr
    assert f"as localhost/agentindex-standin/{ref} from PyPI" in built.stdout
    write_task(tmp_path / "tasks", "copies-uv",
               dockerfile=f"FROM {base_image}\nCOPY --from={ref} /uv /uvx /bin/\nWORKDIR /app\n",
               solve=f'uvx --version && uv --version | grep -qx "uv {UV_VERSION}" '
                     '&& echo done > /app/out.txt')
    summary = run(tmp_path / "tasks", ["oracle"], tmp_path / "jobs", backend="container")
    [row] = trial_rows(summary.job_dir)
    assert (row["reward"], row["error_class"]) == (1.0, None), row["error_message"]
