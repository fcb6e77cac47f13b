"""What the bwrap backend takes from a Dockerfile, and what it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentindex.errors import UnsupportedBySandbox
from agentindex.sandbox.dockerfile import parse_dockerfile
from agentindex.sandbox.materialize import materialize


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "Dockerfile").write_text(text)
    return tmp_path / "Dockerfile"


def test_workdir_env_and_copy(tmp_path: Path) -> None:
    df = write(tmp_path, """\
# syntax comment
FROM localhost/debian:bookworm
WORKDIR /app
ENV A=1 B="two words"
ENV LEGACY value with spaces
ENV C=${A}x
COPY src/ ./src/
COPY ["data.csv", "/app/data/"]
COPY --chown=1000:1000 one.txt \\
     two.txt /app/
ADD bundle.tar.gz /app/vendor
""")
    env = parse_dockerfile(df)
    assert env.base_image == "localhost/debian:bookworm"
    assert env.workdir == "/app"
    assert env.env == {"A": "1", "B": "two words", "LEGACY": "value with spaces", "C": "1x"}
    assert [(c.sources, c.dest, c.extract) for c in env.copies] == [
        (("src/",), "/app/src/", False), (("data.csv",), "/app/data/", False),
        (("one.txt", "two.txt"), "/app/", False), (("bundle.tar.gz",), "/app/vendor", True)]


def test_relative_workdir(tmp_path: Path) -> None:
    assert parse_dockerfile(write(tmp_path, "FROM x\nWORKDIR /srv\nWORKDIR app\n")).workdir == \
        "/srv/app"


@pytest.mark.parametrize(("line", "why"), [
    ("RUN make -C /app install", "RUN is not supported"),
    ("USER nobody", "USER is not supported"),
    ("COPY --from=build /out /app", "--from"),
    ("ADD https://example.com/x.tgz /app/", "from a URL"),
])
def test_refused_instructions_say_why_and_where(tmp_path: Path, line: str, why: str) -> None:
    df = write(tmp_path, f"FROM x\nWORKDIR /app\n{line}\n")
    with pytest.raises(UnsupportedBySandbox) as e:
        parse_dockerfile(df)
    assert str(e.value).startswith(f"{df}:3: ")
    assert why in str(e.value)
    assert "needs the container backend" in str(e.value)


def test_materialize_follows_docker_copy_rules(tmp_path: Path) -> None:
    ctx = tmp_path / "ctx"
    (ctx / "src" / "pkg").mkdir(parents=True)
    (ctx / "src" / "pkg" / "m.py").write_text("x = 1\n")
    (ctx / "one.txt").write_text("1")
    (ctx / "data.csv").write_text("a,b\n")
    df = write(ctx, "FROM x\nWORKDIR /app\nCOPY src/ /app/\nCOPY one.txt /app/renamed.txt\n"
                    "COPY data.csv /app/data/\n")
    work = tmp_path / "work"
    materialize(parse_dockerfile(df), ctx, work, df)
    assert (work / "pkg" / "m.py").read_text() == "x = 1\n"  # a directory's contents
    assert (work / "renamed.txt").read_text() == "1"
    assert (work / "data" / "data.csv").read_text() == "a,b\n"


def test_materialize_refuses_outside_workdir_and_context(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    df = write(tmp_path, "FROM x\nWORKDIR /app\nCOPY f /etc/f\n")
    with pytest.raises(UnsupportedBySandbox, match="outside WORKDIR /app"):
        materialize(parse_dockerfile(df), tmp_path, tmp_path / "w", df)
    df = write(tmp_path, "FROM x\nWORKDIR /app\nCOPY ../secret /app/\n")
    with pytest.raises(UnsupportedBySandbox, match=r"not in the build context|leaves"):
        materialize(parse_dockerfile(df), tmp_path, tmp_path / "w", df)


@pytest.mark.parametrize(("command", "packages"), [
    ("apt-get update && apt-get install -y --no-install-recommends python3 git "
     "&& rm -rf /var/lib/apt/lists/*", ["python3", "git"]),
    ("DEBIAN_FRONTEND=noninteractive apt-get install -y jq=1.6-2.1", ["jq"]),
    ("apt-get update; apt-get install -y curl && curl -LsSf https://x.sh | sh", None),
    ("pip install numpy", None),
])
def test_apt_only_runs(command: str, packages: list[str] | None) -> None:
    from agentindex.sandbox.dockerfile import apt_install_packages

    assert apt_install_packages(command) == packages


def test_apt_run_is_honoured_and_recorded(tmp_path: Path) -> None:
    df = write(tmp_path, "FROM x\nRUN apt-get update && apt-get install -y python3 \\\n"
                         "    git\nWORKDIR /app\n")
    assert parse_dockerfile(df).apt_packages == {"python3": 2, "git": 2}
