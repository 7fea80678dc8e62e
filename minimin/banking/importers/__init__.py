"""Statement importers: pure functions from the bytes of a CSV or OFX/QFX file to parsed
transactions, with errors naming the row and column. No Flask, no database."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from flask_babel import lazy_gettext as _l

#: Largest file accepted (bytes).
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Longest cell accepted (characters).
MAX_CELL = 10_000
#: Most rows accepted in one file.
MAX_ROWS = 500_000
#: Errors reported for one file (the rest are counted).
MAX_ERRORS = 50
#: £100 million: the ceiling used across the product.
MAX_PENCE = 10_000_000_000
DESCRIPTION_MAX = 500
COUNTERPARTY_MAX = 200
REFERENCE_MAX = 200
FITID_MAX = 255


class StatementError(ValueError):
    """A problem with an uploaded statement; ``row`` (1-based line or transaction number) and
    ``column`` (the header name or tag) say where."""

    def __init__(self, message: Any, *, row: int | None = None, column: str | None = None):
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column

    def __str__(self) -> str:
        text = str(self.message)
        if self.row is not None and self.column:
            return str(
                _l(
                    "Row %(row)d, column “%(column)s”: %(text)s",
                    row=self.row,
                    column=self.column,
                    text=text,
                )
            )
        if self.row is not None:
            return str(_l("Row %(row)d: %(text)s", row=self.row, text=text))
        return text

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": str(self)}


class StatementErrors(ValueError):
    """Every problem found in a file (at most :data:`MAX_ERRORS`, plus how many more)."""

    def __init__(self, errors: list[StatementError], more: int = 0):
        super().__init__("; ".join(str(e) for e in errors[:3]))
        self.errors = errors
        self.more = more


@dataclass(slots=True)
class ParsedTransaction:
    """One statement line, validated. ``amount_pence`` is signed (+ in, - out)."""

    row: int
    posted_on: date
    amount_pence: int
    description: str
    counterparty: str = ""
    reference: str = ""
    fitid: str | None = None
    fingerprint: str = field(default="")


def clean_text(value: str, limit: int) -> str:
    """Printable text: control characters (NUL included) and lone surrogates dropped, spaces
    collapsed, cut to *limit* characters."""
    if value.isprintable():  # the common case, checked in C
        return " ".join(value.split())[:limit]
    out = []
    for ch in value:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cs", "Co", "Cn"):
            out.append(" " if ch in "\t\r\n" else "")
        else:
            out.append(ch)
    return " ".join("".join(out).split())[:limit]


@lru_cache(maxsize=65536)
def normalise_description(text: str) -> str:
    """Case- and space-insensitive form used in fingerprints and for learning categories."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@lru_cache(maxsize=65536)
def payee_key(counterparty: str, description: str) -> str:
    """The key categories are learned by: the payee when given, else the description without
    its words that hold digits (card numbers, dates and references vary between statements)."""
    base = counterparty or description
    words = [w for w in normalise_description(base).split() if not any(c.isdigit() for c in w)]
    return " ".join(words)[:COUNTERPARTY_MAX]


def assign_fingerprints(account_id: str, rows: list[ParsedTransaction]) -> None:
    """Fill ``fingerprint``: a hash of (account, date, amount, normalised description, FITID)
    and the occurrence index of that same key within this file, so two identical coffees on
    one day are two transactions and importing the file again matches both."""
    seen: dict[tuple[Any, ...], int] = {}
    for row in rows:
        key = (
            row.posted_on.isoformat(),
            row.amount_pence,
            normalise_description(f"{row.counterparty} {row.description}"),
            row.fitid or "",
        )
        index = seen.get(key, 0)
        seen[key] = index + 1
        raw = "\x1f".join((str(account_id), *map(str, key), str(index)))
        row.fingerprint = hashlib.sha256(raw.encode("utf-8")).hexdigest()
