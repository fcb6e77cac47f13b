"""``agentindex sandbox base-image``: build a Debian base image from Debian's packages."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from agentindex.sandbox.base_image import build_base_image


def base_image_command(tag: str, engine: str, suite: str, mirror: str | None,
                       cache: Path | None, force: bool, console: Console) -> None:
    """Build (or find) the image ``tag`` and say which; the root filesystem tarball is kept in
    ``cache`` (default: the cache directory) so a rebuild needs no download."""
    img = build_base_image(tag, engine=engine, suite=suite, mirror=mirror, cache_dir=cache,
                           force=force)
    state = "built" if img.built else "already present"
    console.print(f"{img.tag}: {state} (root filesystem {img.tarball})", highlight=False)
