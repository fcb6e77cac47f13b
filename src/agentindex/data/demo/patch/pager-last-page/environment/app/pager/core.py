"""Page arithmetic."""

from dataclasses import dataclass


class PageError(ValueError):
    """Raised for a page number outside 1..total_pages."""


@dataclass(frozen=True)
class Page:
    items: list
    number: int
    total_pages: int
    total_items: int

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.total_pages


def page_count(total: int, per_page: int) -> int:
    """Number of pages needed for `total` items; an empty list still has one page."""
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    if total <= 0:
        return 1
    return total // per_page


def paginate(items, page: int = 1, per_page: int = 10) -> Page:
    items = list(items)
    pages = page_count(len(items), per_page)
    if not 1 <= page <= pages:
        raise PageError(f"page {page} out of range 1..{pages}")
    start = (page - 1) * per_page
    return Page(items[start:start + per_page], page, pages, len(items))
