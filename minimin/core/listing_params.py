"""What a list page's query string asks for: search text (``q``), the column to sort by
(``sort``) and the direction (``dir``), parsed the same way on every list.

Sort keys are whitelisted by the list (an unknown key falls back to its default, so a hand-made
URL can never reach a column the list does not offer). ``sort=-date`` is read as ``sort=date``
``dir=desc`` so older bookmarks keep working. Search is a case-insensitive "contains" match
that behaves the same on SQLite and PostgreSQL (``lower(column) LIKE lower(text)``, with the
``%`` and ``_`` the user types matched literally).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Response

from minimin.core import csvsafe

ASC = "asc"
DESC = "desc"
#: Longer search text is cut: nothing a list shows is longer, and LIKE work stays bounded.
Q_MAX = 100


@dataclass(frozen=True)
class ListParams:
    q: str
    sort: str
    direction: str
    #: Keys whose first choice is descending (newest date, largest amount first).
    descending_first: frozenset[str] = frozenset()

    @property
    def descending(self) -> bool:
        return self.direction == DESC

    @property
    def legacy_sort(self) -> str:
        """The key with a leading ``-`` when descending (the jobs list's own sort names)."""
        return ("-" if self.descending else "") + self.sort

    def aria_sort(self, key: str) -> str:
        """The ``aria-sort`` value of the column *key*: screen readers announce the order."""
        if key != self.sort:
            return "none"
        return "descending" if self.descending else "ascending"

    def header_args(self, key: str) -> dict[str, str]:
        """Query arguments of a column header's link: the current column flips direction,
        another column starts ascending. The search is kept; the page starts again."""
        if key != self.sort:
            direction = DESC if key in self.descending_first else ASC
        else:
            direction = ASC if self.descending else DESC
        return {**self.search_args(), "sort": key, "dir": direction}

    def search_args(self) -> dict[str, str]:
        return {"q": self.q} if self.q else {}

    def args(self) -> dict[str, str]:
        """Everything this list's links keep (pagination, CSV export)."""
        return {**self.search_args(), "sort": self.sort, "dir": self.direction}


def _clean_text(raw: str) -> str:
    # Text that cannot be stored (NUL, lone surrogates, control characters) cannot match
    # either: it is dropped rather than reported (search text is never stored).
    text = "".join(ch for ch in raw[: Q_MAX * 2] if ch.isprintable() and not _surrogate(ch))
    return text.strip()[:Q_MAX]


def _surrogate(ch: str) -> bool:
    return 0xD800 <= ord(ch) <= 0xDFFF


def parse(
    args: Mapping[str, Any],
    sorts: Iterable[str],
    default_sort: str,
    default_direction: str = ASC,
    descending_first: Iterable[str] = (),
) -> ListParams:
    """The list parameters of *args* (``request.args``); keys outside *sorts* fall back. A key
    given without a direction takes its natural one (*descending_first*, else ascending)."""
    first = frozenset(descending_first)
    allowed = set(sorts)
    q = _clean_text(str(args.get("q") or ""))
    sort = str(args.get("sort") or "")
    direction = str(args.get("dir") or "")
    if sort.startswith("-"):
        sort, direction = sort[1:], direction or DESC
    if sort not in allowed:
        sort = default_sort
    if direction not in (ASC, DESC):
        natural = DESC if sort in first else ASC
        direction = default_direction if sort == default_sort else natural
    return ListParams(q=q, sort=sort, direction=direction, descending_first=first)


def _like_pattern(q: str) -> str:
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(q: str, *columns: Any) -> Any:
    """A condition: any of *columns* contains *q*, ignoring case (true when *q* is empty)."""
    if not q:
        return sa.true()
    pattern = _like_pattern(q)
    return sa.or_(
        *(sa.func.lower(sa.func.coalesce(c, "")).like(pattern, escape="\\") for c in columns)
    )


def order_by(sorts: Mapping[str, Sequence[Any]], params: ListParams) -> list[Any]:
    """ORDER BY clauses for the chosen key: each of its columns in the chosen direction."""
    columns = sorts[params.sort]
    return [c.desc() if params.descending else c.asc() for c in columns]


def csv_response(
    filename: str,
    header: Sequence[str],
    rows: Iterable[Any],
    row: Callable[[Any], Sequence[Any]] | None = None,
) -> Response:
    """A CSV download: every cell through :mod:`minimin.core.csvsafe` (no formulas run)."""
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)
    writer.writerow(header)
    for item in rows:
        writer.writerow(row(item) if row else item)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def pounds(pence: int | None) -> str:
    """A CSV amount: a plain number in pounds, negative stays numeric."""
    value = pence or 0
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(value) // 100}.{abs(value) % 100:02d}"
