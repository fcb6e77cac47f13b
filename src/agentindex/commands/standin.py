"""``agentindex sandbox stand-in IMAGE...``: build marked stand-ins for public base images."""

from __future__ import annotations

from rich.console import Console

from agentindex.sandbox.standin import build_stand_in


def stand_in_command(images: list[str], engine: str, force: bool, console: Console) -> None:
    for ref in images:
        got = build_stand_in(ref, engine=engine, force=force)
        state = "built" if got.built else "already present"
        note = f" ({got.recipe.note})" if got.recipe.note else ""
        console.print(f"{ref}: {state} as {got.recipe.tag} from Debian {got.recipe.suite}{note}",
                      highlight=False)
