"""Every relative link in the README and docs/ resolves inside the repository (a user's clone
has nothing beside it), anchors included; no text points at a sibling ``shared`` folder."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(md: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    heads = re.findall(r"^#+ (.+)$", md.read_text(), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in heads}


def test_every_relative_link_resolves() -> None:
    bad = []
    for doc in DOCS:
        for target in LINK.findall(doc.read_text()):
            if re.match(r"[a-z]+://|mailto:", target):
                continue
            path, _, anchor = target.partition("#")
            dest = (doc.parent / path).resolve() if path else doc
            if not dest.exists() or not dest.is_relative_to(ROOT):
                bad.append(f"{doc.name}: {target}")
            elif anchor and anchor not in _anchors(dest):
                bad.append(f"{doc.name}: {target} (no such heading)")
    assert bad == []


def test_nothing_points_outside_the_repository() -> None:
    files = [*DOCS, *(ROOT / "src" / "agentindex").rglob("*.py"), *(ROOT / "scripts").glob("*")]
    assert [str(f) for f in files if f.is_file() and "shared/" in f.read_text()] == []
