"""Text navigation bar for a page: `« 1 … 4 [5] 6 … 9 »`."""

from pager.core import Page


def window(current: int, total: int, radius: int = 1) -> list:
    """Page numbers to show: first, last, and `radius` around current; None marks a gap."""
    shown = sorted({1, total, *range(max(1, current - radius), min(total, current + radius) + 1)})
    out = []
    for n in shown:
        if out and n - out[-1] > 1:
            out.append(None)
        out.append(n)
    return out


def render_nav(page: Page, radius: int = 1) -> str:
    parts = ["«"] if page.has_prev else []
    for n in window(page.number, page.total_pages, radius):
        if n is None:
            parts.append("…")
        elif n == page.number:
            parts.append(f"[{n}]")
        else:
            parts.append(str(n))
    if page.has_next:
        parts.append("»")
    return " ".join(parts)
