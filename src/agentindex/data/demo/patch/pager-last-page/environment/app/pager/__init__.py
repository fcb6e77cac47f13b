"""pager: split sequences into numbered pages and render page navigation."""

from pager.core import Page, PageError, page_count, paginate
from pager.render import render_nav

__all__ = ["Page", "PageError", "page_count", "paginate", "render_nav"]
