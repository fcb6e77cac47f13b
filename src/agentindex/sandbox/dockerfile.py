"""Read the few Dockerfile instructions a host-filesystem sandbox can honour.

Only WORKDIR, COPY/ADD of local files and ENV are honoured (FROM is accepted: the host's ``/usr``
stands in for the image), and a RUN that does nothing but ``apt-get install`` Debian packages: the
backend then checks that the host has them. Anything else needs a real image build, so it is
refused with a message that says so, naming the file and line.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from agentindex.errors import UnsupportedBySandbox


@dataclass(frozen=True)
class Copy:
    sources: tuple[str, ...]  # relative to the build context, may hold globs
    dest: str  # absolute
    line: int
    extract: bool = False  # ADD of a local tar archive


@dataclass
class Environment:
    base_image: str | None = None
    workdir: str = "/"
    copies: list[Copy] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    apt_packages: dict[str, int] = field(default_factory=dict)  # package -> line that asks


_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_ARCHIVE = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, instruction) with continuations joined and comments dropped."""
    out: list[tuple[int, str]] = []
    buf, start = "", 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if buf and line.startswith("#"):
            continue
        if not buf:
            start = n
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        out.append((start, buf + line))
        buf = ""
    if buf.strip():
        out.append((start, buf.strip()))
    return out


def _args(rest: str) -> list[str]:
    if rest.startswith("["):
        try:
            parsed = json.loads(rest)
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, list) and all(isinstance(p, str) for p in parsed):
            return parsed
    return shlex.split(rest)


def _expand(text: str, env: dict[str, str]) -> str:
    return _VAR.sub(lambda m: env.get(m.group(1) or m.group(2), ""), text)


def _env_pairs(rest: str, env: dict[str, str]) -> dict[str, str]:
    words = shlex.split(rest)
    if words and "=" not in words[0]:  # legacy form: ENV KEY value with spaces
        return {words[0]: _expand(rest.split(None, 1)[1] if len(words) > 1 else "", env)}
    pairs = {}
    for w in words:
        key, _, value = w.partition("=")
        pairs[key] = _expand(value, env)
    return pairs


def parse_dockerfile(path: Path) -> Environment:
    result = Environment()

    def refuse(n: int, why: str) -> UnsupportedBySandbox:
        return UnsupportedBySandbox(f"{path}:{n}: {why}; this task needs the container backend "
                                    "(-e container)")

    for n, line in logical_lines(path.read_text(encoding="utf-8")):
        word, _, rest = line.partition(" ")
        op, rest = word.upper(), rest.strip()
        if op == "FROM":
            if result.base_image is not None:
                raise refuse(n, "multi-stage builds are not supported by bwrap")
            result.base_image = rest.split()[0] if rest else ""
        elif op == "WORKDIR":
            result.workdir = posixpath.normpath(
                posixpath.join(result.workdir, _expand(rest, result.env)))
        elif op == "ENV":
            result.env.update(_env_pairs(rest, result.env))
        elif op in ("COPY", "ADD"):
            result.copies.append(_copy(op, rest, result, n, refuse))
        elif op == "RUN" and (packages := apt_install_packages(rest)) is not None:
            result.apt_packages.update(dict.fromkeys(packages, n))
        else:
            raise refuse(n, f"{op} is not supported by bwrap (it honours WORKDIR, COPY, ADD, ENV)")
    return result


_APT_CLEANUP = ("/var/lib/apt/lists", "/var/cache/apt")


def apt_install_packages(command: str) -> list[str] | None:
    """The packages a RUN installs when it only runs ``apt-get update``, ``apt-get install`` and
    apt clean-up (joined by ``&&`` or ``;``); ``None`` when it does anything else."""
    packages: list[str] = []
    for part in re.split(r"\s*(?:&&|;)\s*", command.strip()):
        try:
            words = shlex.split(part)
        except ValueError:
            return None
        while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):  # DEBIAN_FRONTEND=...
            words = words[1:]
        match words:
            case ["apt-get" | "apt", "update" | "clean", *_]:
                continue
            case ["apt-get" | "apt", "install", *args]:
                packages += [a.split("=")[0] for a in args if not a.startswith("-")]
            case ["rm", "-rf" | "-fr" | "-r", *paths] if all(
                    p.startswith(_APT_CLEANUP) for p in paths):
                continue
            case _:
                return None
    return packages


def _copy(op: str, rest: str, env: Environment, n: int,
          refuse: Callable[[int, str], UnsupportedBySandbox]) -> Copy:
    args = [a for a in _args(rest) if not a.startswith("--")]
    flags = [a for a in _args(rest) if a.startswith("--")]
    if any(f.startswith("--from") for f in flags):
        raise refuse(n, f"{op} --from (a build stage) is not supported by bwrap")
    if len(args) < 2:
        raise refuse(n, f"{op} needs a source and a destination")
    sources, dest = args[:-1], _expand(args[-1], env.env)
    if any(re.match(r"^[a-z]+://", s) for s in sources):
        raise refuse(n, f"{op} from a URL is not supported by bwrap")
    absolute = posixpath.normpath(posixpath.join(env.workdir, dest))
    if dest.endswith(("/", "/.")) and not absolute.endswith("/"):
        absolute += "/"
    extract = op == "ADD" and all(s.endswith(_ARCHIVE) for s in sources)
    return Copy(tuple(sources), absolute, n, extract)
