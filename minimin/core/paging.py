"""The page number of a paged list, read from the query string.

Every list that pages reads its ``page`` argument here (and counts its pages with
:func:`page_count`), so a hand-edited URL answers the first
(or the last allowed) page rather than an error. Only ASCII digits count: ``str.isdigit`` also
accepts ``²`` and ``٣``, which ``int`` then refuses or reads as another number, and an
unbounded number would ask the database for an absurd offset.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: The highest page any list serves; beyond it a list answers this page.
MAX_PAGE = 10_000

_MAX_DIGITS = len(str(MAX_PAGE))


def parse_page(raw: Any) -> int:
    """The page number *raw* asks for, between 1 and :data:`MAX_PAGE`; 1 when it is not one."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not text or not (text.isascii() and text.isdigit()):
        return 1
    if len(text.lstrip("0")) > _MAX_DIGITS:
        return MAX_PAGE
    return min(max(int(text), 1), MAX_PAGE)


def page_number(args: Mapping[str, Any], name: str = "page") -> int:
    """The page number in the query arguments *args* (``request.args`` or a plain dict)."""
    return parse_page(args.get(name, "1"))


def page_count(total: int, size: int) -> int:
    """How many pages of *size* rows *total* rows fill; an empty list still has one page."""
    if size < 1:
        raise ValueError("a page holds at least one row")
    return max(1, -(-max(total, 0) // size))


def page_offset(page: int, size: int) -> int:
    """The number of rows before page *page* (1-based) of *size* rows: the query's OFFSET."""
    return (max(page, 1) - 1) * size
