"""Pure parts of image resolution: FROM references, their rewriting, mirrors, stand-in recipes,
fitting a task's limits to the machine."""

from __future__ import annotations

import pytest

from agentindex.errors import UnsupportedBySandbox
from agentindex.sandbox.base import Limits
from agentindex.sandbox.images import ImageCache, from_refs, mirrored, rewrite_from, with_build_args
from agentindex.sandbox.limits import Machine, fit_limits
from agentindex.sandbox.standin import dockerfile, recipe_for
from agentindex.site import NetworkSettings, SiteConfig

MULTI = """FROM ubuntu:24.04 as build
RUN make
FROM --platform=linux/amd64 python:3.13-slim-bookworm AS target
COPY --from=build /out /out
FROM build
"""


def test_from_refs_skips_stage_names_and_rewrite_keeps_the_rest() -> None:
    assert from_refs(MULTI) == ["ubuntu:24.04", "python:3.13-slim-bookworm"]
    out = rewrite_from(MULTI, {"ubuntu:24.04": "localhost/u:1"})
    assert out.splitlines()[0] == "FROM localhost/u:1 as build"
    assert out.splitlines()[1:] == MULTI.splitlines()[1:]


UV_COPY = """FROM ubuntu:24.04 as build
COPY --from=ghcr.io/astral-sh/uv:0.8.14 /uv /uvx /bin/
FROM ubuntu:24.04 AS target
COPY --chown=root --from=ghcr.io/astral-sh/uv:0.8.14 /uv /bin/
COPY --from=build /app/documents /app/documents
COPY --from=0 /x /x
"""


def test_images_a_dockerfile_copies_from_are_bases_too() -> None:
    # TB2's financial-document-processor copies uv's binaries from its image: an image this
    # machine must have (a stand-in) like any FROM; stage names and numbers are not images
    uv = "ghcr.io/astral-sh/uv:0.8.14"
    assert from_refs(UV_COPY) == ["ubuntu:24.04", uv, "ubuntu:24.04", uv]
    out = rewrite_from(UV_COPY, {"ghcr.io/astral-sh/uv:0.8.14": "localhost/s/uv:0.8.14",
                                 "ubuntu:24.04": "localhost/u:1"}).splitlines()
    assert out[1] == "COPY --from=localhost/s/uv:0.8.14 /uv /uvx /bin/"
    assert out[3] == "COPY --chown=root --from=localhost/s/uv:0.8.14 /uv /bin/"
    assert out[2] == "FROM localhost/u:1 AS target" and out[4:] == UV_COPY.splitlines()[4:]


def test_the_uv_image_stands_in_as_its_wheels_binaries_on_scratch() -> None:
    recipe = recipe_for("ghcr.io/astral-sh/uv:0.8.15")
    assert recipe is not None
    assert (recipe.wheel, recipe.files, recipe.suite) == ("uv==0.8.15", ("uv", "uvx"), "")
    assert dockerfile(recipe, "scratch").splitlines()[:2] == ["FROM scratch", "COPY uv uvx /"]
    assert recipe_for("ghcr.io/astral-sh/uv:latest") is None  # no version to take from PyPI


def test_every_stage_declares_the_site_build_args_so_run_steps_see_them() -> None:
    # podman build --env sets only the image's environment: a RUN step's pip saw no CA bundle
    out = with_build_args(MULTI, ["PIP_CERT", "https_proxy"])
    lines = out.splitlines()
    assert lines[:3] == ["FROM ubuntu:24.04 as build", "ARG PIP_CERT", "ARG https_proxy"]
    assert [i for i, x in enumerate(lines) if x == "ARG PIP_CERT"] == [1, 5, 9]
    assert [x for x in lines if not x.startswith("ARG ")] == MULTI.splitlines()
    assert with_build_args("FROM a", ["X"]) == "FROM a\nARG X\n"
    assert with_build_args(MULTI, []) == MULTI


def test_site_settings_reach_the_build_as_env_and_build_args() -> None:
    site = SiteConfig(network=NetworkSettings(ca_bundle="/etc/ssl/certs/ca.crt",
                                              https_proxy="http://proxy:3128"))
    args = ImageCache("podman", site)._site_args()
    pairs = list(zip(args[::2], args[1::2], strict=True))
    for key in ("PIP_CERT", "SSL_CERT_FILE"):
        assert ("--env", f"{key}=/opt/agentindex/ca-bundle.crt") in pairs
        assert ("--build-arg", f"{key}=/opt/agentindex/ca-bundle.crt") in pairs
    assert ("--build-arg", "https_proxy=http://proxy:3128") in pairs
    assert ("-v", "/etc/ssl/certs/ca.crt:/opt/agentindex/ca-bundle.crt:ro") in pairs


@pytest.mark.parametrize(("ref", "want"), [
    ("python:3.13", "mirror.local:5000/library/python:3.13"),
    ("docker.io/library/python:3.13", "mirror.local:5000/library/python:3.13"),
    ("alexgshaw/regex-log:20251031", "mirror.local:5000/alexgshaw/regex-log:20251031"),
])
def test_mirror_prefix(ref: str, want: str) -> None:
    assert mirrored(ref, "mirror.local:5000/") == want


@pytest.mark.parametrize(("ref", "suite", "python", "note"), [
    ("python:3.13-slim-bookworm", "trixie", True, ""),
    ("docker.io/library/python:3.11-slim", "bookworm", True, ""),
    ("python:3.10-slim-bookworm", "bookworm", True, "Debian ships no Python 3.10"),
    ("ubuntu:24.04", "trixie", False, "Ubuntu 24.04 stood in for by Debian trixie"),
    ("debian:13.0-slim", "trixie", False, ""),
    ("debian:bullseye-slim", "bookworm", False, "stood in for by bookworm"),
])
def test_stand_in_recipes(ref: str, suite: str, python: bool, note: str) -> None:
    recipe = recipe_for(ref)
    assert recipe is not None and recipe.suite == suite
    assert ("python-is-python3" in recipe.packages) is python
    assert ("python3-dev" in recipe.packages) is python  # Python.h, as the official images
    assert note in recipe.note and bool(note) == bool(recipe.note)
    text = dockerfile(recipe, f"localhost/debian:{suite}")
    assert f'agentindex.stand-in-for="{recipe.ref}"' in text


def test_no_recipe_for_other_images() -> None:
    assert recipe_for("alexgshaw/regex-log:20251031") is None
    assert recipe_for("python:latest") is None


def test_fit_limits() -> None:
    machine = Machine(cpus=2.0, memory_mb=4096)
    ok = Limits(cpus=1, memory_mb=2048, pids=10)
    assert fit_limits(ok, machine, clamp=False).limits == ok
    big = Limits(cpus=4, memory_mb=8192, pids=10)
    with pytest.raises(UnsupportedBySandbox, match=r"cpus 4 \(the machine has 2\), memory_mb "
                                                   r"8192 \(the machine has 4096\)"):
        fit_limits(big, machine, clamp=False)
    fitted = fit_limits(big, machine, clamp=True)
    assert fitted.limits == Limits(cpus=2.0, memory_mb=4096, pids=10)
    assert fitted.clamped == {"cpus": [4.0, 2.0], "memory_mb": [8192.0, 4096.0]}
