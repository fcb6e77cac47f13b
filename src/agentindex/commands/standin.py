"""``agentindex sandbox stand-in IMAGE...``: build marked stand-ins for public base images;
``agentindex sandbox verifier-python``: build the verifier's Python (runner/verifier_python.py)."""

from __future__ import annotations

from rich.console import Console

from agentindex.sandbox.standin import build_stand_in


def stand_in_command(images: list[str], engine: str, force: bool, console: Console) -> None:
    for ref in images:
        got = build_stand_in(ref, engine=engine, force=force)
        state = "built" if got.built else "already present"
        note = f" ({got.recipe.note})" if got.recipe.note else ""
        source = f"from Debian {got.recipe.suite}" if got.recipe.suite else "from PyPI"
        console.print(f"{ref}: {state} as {got.recipe.tag} {source}{note}", highlight=False)


def verifier_python_command(version: str, force: bool, console: Console) -> None:
    from agentindex.errors import ConfigError
    from agentindex.runner.verifier_python import SOURCES, ensure_built, log_path, sandbox_prefix

    if version not in SOURCES:
        raise ConfigError("sandbox verifier-python", "VERSION",
                          f"no recipe for Python {version} (known: {', '.join(SOURCES)})")
    console.print(f"Python {version} for the verifier: building unless built (progress in "
                  f"{log_path(version)})", highlight=False)
    got = ensure_built(version, force=force)
    state = f"built in {got.seconds:.0f} s" if got.seconds else "already built"
    console.print(f"Python {version}: {state} at {got.path} (the verifier sees it at "
                  f"{sandbox_prefix(version)})", highlight=False)
