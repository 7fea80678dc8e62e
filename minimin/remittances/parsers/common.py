"""What the CSV and PDF readers share: column names, cells to amounts and dates, problems.

Pure: no Flask request, no SQLAlchemy. Messages are lazy translatable strings.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from minimin.core.dates import DateError, parse_uk_date
from minimin.core.money import MoneyError, parse_money

#: The largest amount on one line (pence): £100 million.
MAX_PENCE = 10_000_000_000
#: Lines a document may have.
MAX_LINES = 100
#: Characters a cell may have.
MAX_CELL = 1000
#: Problems reported before giving up listing more.
MAX_PROBLEMS = 50

TEXT_COLUMNS = ("reference", "description")
AMOUNT_COLUMNS = ("gross", "fee_vat", "commission", "commission_vat", "expenses", "net")
COLUMNS = (*TEXT_COLUMNS, "work_date", *AMOUNT_COLUMNS)
REQUIRED = ("gross", "net")
#: Columns that may hold a negative amount (an agency may deduct a charge as an expense).
MAY_BE_NEGATIVE = frozenset({"expenses"})

COLUMN_LABELS = {
    "reference": _l("Job reference"),
    "description": _l("Description"),
    "work_date": _l("Date of the work"),
    "gross": _l("Gross fee"),
    "fee_vat": _l("VAT on the fee"),
    "commission": _l("Commission"),
    "commission_vat": _l("VAT on commission"),
    "expenses": _l("Expenses"),
    "net": _l("Net paid"),
}

#: Header texts (normalised: lower case, words separated by one space) for each column.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "reference": (
        "job",
        "job ref",
        "job reference",
        "job no",
        "job number",
        "job id",
        "ref",
        "reference",
        "booking",
        "booking ref",
        "booking reference",
        "booking no",
        "invoice",
        "invoice no",
        "our ref",
    ),
    "description": (
        "description",
        "details",
        "job description",
        "job title",
        "title",
        "client",
        "narrative",
        "particulars",
    ),
    "work_date": ("date", "job date", "work date", "shoot date", "booking date", "date of work"),
    "gross": (
        "gross",
        "gross fee",
        "fee",
        "gross amount",
        "total fee",
        "fee gross",
        "amount",
        "gross fees",
    ),
    "fee_vat": ("vat on fee", "fee vat", "output vat", "vat on fees", "vat on gross"),
    "commission": (
        "commission",
        "comm",
        "agency commission",
        "commission amount",
        "agency fee deducted",
        "less commission",
    ),
    "commission_vat": (
        "vat",
        "vat on commission",
        "commission vat",
        "comm vat",
        "vat on comm",
        "vat comm",
    ),
    "expenses": (
        "expenses",
        "exp",
        "expenses reimbursed",
        "disbursements",
        "expenses paid",
        "per diems",
    ),
    "net": (
        "net",
        "net paid",
        "net amount",
        "amount paid",
        "payable",
        "net payable",
        "net to you",
        "paid",
        "net fee",
        "total paid",
    ),
}
_BY_NAME = {name: column for column, names in SYNONYMS.items() for name in names}
_NON_WORD = re.compile(r"[^0-9a-z]+")
_TOTAL_WORDS = frozenset({"total", "totals", "grand total", "total paid", "sub total", "subtotal"})


def normalise_header(text: Any) -> str:
    return " ".join(_NON_WORD.split(str(text or "").lower())).strip()


class ParseProblem:
    """One thing that could not be read: where (row, column) and why."""

    def __init__(self, message: Any, row: int | None = None, column: str | None = None):
        self.message = message
        self.row = row
        self.column = column

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(str(_l("row %(n)d", n=self.row)))
        if self.column:
            where.append(str(_l("column “%(name)s”", name=self.column)))
        prefix = (", ".join(where) + ": ") if where else ""
        text = prefix + str(self.message)
        return text[:1].upper() + text[1:]

    def __repr__(self) -> str:
        return f"ParseProblem({str(self)!r})"


class RemittanceParseError(ValueError):
    """The document cannot be read at all (or has problems); ``problems`` say where."""

    def __init__(self, problems: Sequence[ParseProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = list(problems)


@dataclass
class ParsedLine:
    """One line as read: amounts in integer pence (0 where the column is absent)."""

    reference: str = ""
    description: str = ""
    work_date: dt.date | None = None
    gross_pence: int = 0
    fee_vat_pence: int = 0
    commission_pence: int = 0
    commission_vat_pence: int = 0
    expenses_pence: int = 0
    net_pence: int = 0


@dataclass
class ParsedRemittance:
    """What a reader found. ``problems`` lists what could not be read (the lines that could
    are kept, so a form can be prefilled with them)."""

    lines: list[ParsedLine] = field(default_factory=list)
    total_net_pence: int | None = None
    date: dt.date | None = None
    reference: str = ""
    agency_invoice_number: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # our column -> the header found
    problems: list[ParseProblem] = field(default_factory=list)
    notes: list[Any] = field(default_factory=list)  # things worth saying that are not errors

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.lines)

    def add_problem(self, message: Any, row: int | None = None, column: str | None = None) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(ParseProblem(message, row, column))


def map_headers(headers: Sequence[str]) -> dict[str, int]:
    """Our column name -> index in *headers*. Exact synonyms first, then a header that starts
    with a synonym (``Gross fee (£)``). The first header taken for a column wins."""
    found: dict[str, int] = {}
    names = [normalise_header(h) for h in headers]
    for index, name in enumerate(names):
        column = _BY_NAME.get(name)
        if column and column not in found:
            found[column] = index
    for index, name in enumerate(names):
        if index in found.values() or not name:
            continue
        for column, synonyms in SYNONYMS.items():
            if column in found:
                continue
            if any(name.startswith(s + " ") for s in synonyms if len(s) > 2):
                found[column] = index
                break
    return found


def looks_like_header(cells: Sequence[str]) -> bool:
    mapping = map_headers(cells)
    return all(column in mapping for column in REQUIRED)


def parse_amount(text: str, column: str) -> int:
    """A cell as signed pence. Accepts ``1,234.56``, ``£12``, ``(12.34)`` (negative) and
    ``12.34-``; refuses NaN, exponents, sub-penny and out-of-range amounts (MoneyError)."""
    raw = " ".join(text.split())
    negative = False
    if raw.startswith("(") and raw.endswith(")"):
        negative, raw = True, raw[1:-1].strip()
    elif raw.endswith("-") and len(raw) > 1:
        negative, raw = True, raw[:-1].strip()
    elif raw.upper().endswith(" CR"):
        raw = raw[:-3].strip()
    money = parse_money(raw, allow_negative=True, max_pence=MAX_PENCE)
    pence = -money.pence if negative else money.pence
    if pence < 0 and column not in MAY_BE_NEGATIVE:
        raise MoneyError(_l("Enter an amount of zero or more."), code="negative")
    return pence


def is_total_row(cells: Sequence[str]) -> bool:
    first = [normalise_header(c) for c in cells if str(c or "").strip()]
    return bool(first) and first[0] in _TOTAL_WORDS


def _column_labels(mapping: dict[str, int], headers: Sequence[str] | None) -> dict[str, str]:
    """How problems name each column: the file's own header where it has one (what the user
    sees in their file), else our label."""
    labels = {column: str(COLUMN_LABELS[column]) for column in COLUMNS}
    for column, index in mapping.items():
        if headers and index < len(headers) and headers[index].strip():
            labels[column] = headers[index].strip()[:60]
    return labels


def _row_shape_problem(cells: Sequence[str], header_count: int, strict_width: bool) -> Any:
    """Why a whole row is refused before its cells are read (filled cells beyond the header,
    or an over-long cell), or None. The width check is skipped when *strict_width* is off, as
    the PDF reader asks."""
    if strict_width and any(c.strip() for c in cells[header_count:]):
        return _l(
            "this row has %(n)d cells but the header has %(h)d.",
            n=len(cells),
            h=header_count,
        )
    if any(len(c) > MAX_CELL for c in cells):
        return _l("a cell is longer than %(max)d characters.", max=MAX_CELL)
    return None


def _read_total(
    cells: Sequence[str],
    mapping: dict[str, int],
    number: int,
    result: ParsedRemittance,
    labels: dict[str, str],
) -> None:
    """A "Total" row states the net total (checked later against the lines); it adds no line."""
    net_index = mapping.get("net")
    if net_index is not None and net_index < len(cells) and cells[net_index].strip():
        try:
            result.total_net_pence = parse_amount(cells[net_index], "net")
        except MoneyError as exc:
            result.add_problem(exc.message, number, labels["net"])


def _read_cell(line: ParsedLine, column: str, cell: str) -> Any:
    """Set *column* of *line* from the stripped *cell*; the problem when the cell is refused,
    else None. Empty cells leave the default, except in the required amount columns."""
    if column in TEXT_COLUMNS:
        from minimin.core.forms import check_text

        problem = check_text(cell)
        if problem:
            return problem
        limit = 100 if column == "reference" else 300
        setattr(line, column, cell[:limit])
        return None
    if column == "work_date":
        if cell:
            try:
                line.work_date = parse_uk_date(cell)
            except DateError as exc:
                return exc.message
        return None
    if not cell:
        return _l("this cell is empty.") if column in REQUIRED else None
    try:
        setattr(line, f"{column}_pence", parse_amount(cell, column))
    except MoneyError as exc:
        return exc.message
    return None


def _read_line(
    cells: Sequence[str],
    mapping: dict[str, int],
    number: int,
    result: ParsedRemittance,
    labels: dict[str, str],
) -> ParsedLine | None:
    """The line of a data row, or None when a cell is refused. Every cell is read even after
    a refusal, so one pass reports all the row's problems."""
    line = ParsedLine()
    bad = False
    for column, index in mapping.items():
        cell = cells[index].strip() if index < len(cells) else ""
        problem = _read_cell(line, column, cell)
        if problem is not None:
            result.add_problem(problem, number, labels[column])
            bad = True
    return None if bad else line


def read_rows(
    rows: Sequence[tuple[int, Sequence[str]]],
    mapping: dict[str, int],
    header_count: int,
    result: ParsedRemittance,
    *,
    strict_width: bool = True,
    headers: Sequence[str] | None = None,
) -> None:
    """Turn data *rows* (row number, cells) into lines of *result* using *mapping*; problems
    name the row and column. A "Total" row sets the stated total instead of adding a line."""
    labels = _column_labels(mapping, headers)
    for number, raw_cells in rows:
        cells = [str(c if c is not None else "") for c in raw_cells]
        if not any(c.strip() for c in cells):
            continue
        problem = _row_shape_problem(cells, header_count, strict_width)
        if problem is not None:
            result.add_problem(problem, number)
            continue
        if is_total_row(cells):
            _read_total(cells, mapping, number, result, labels)
            continue
        if len(result.lines) >= MAX_LINES:
            result.add_problem(_l("a remittance can have at most %(n)d lines.", n=MAX_LINES))
            return
        line = _read_line(cells, mapping, number, result, labels)
        if line is not None:
            result.lines.append(line)


def missing_columns(mapping: dict[str, int]) -> list[str]:
    return [column for column in REQUIRED if column not in mapping]


def describe_missing(mapping: dict[str, int]) -> Any:
    names = ", ".join(str(COLUMN_LABELS[c]) for c in missing_columns(mapping))
    return _l(
        "No column for %(names)s was found. The first row must name the columns, for example "
        "Job, Gross, Commission, VAT, Net.",
        names=names,
    )


#: "Key: value" lines of a totals or header block.
_KEY_VALUE = re.compile(r"^\s*([A-Za-z][A-Za-z .'/()-]{1,40}?)\s*[:]\s*(.+?)\s*$")
_KEYS = {
    "total_net": (
        "total net",
        "net total",
        "total paid",
        "net paid",
        "amount paid",
        "total payable",
        "net payable",
        "total",
        "payment",
        "total net paid",
    ),
    "date": ("date", "remittance date", "payment date", "statement date", "date paid"),
    "reference": ("reference", "remittance reference", "remittance no", "ref", "statement no"),
    "agency_invoice_number": (
        "invoice number",
        "invoice no",
        "self billing invoice",
        "self billed invoice",
        "self billing invoice no",
        "self billed invoice no",
        "self billed invoice number",
        "self billing invoice number",
    ),
}
_KEY_BY_NAME = {name: key for key, names in _KEYS.items() for name in names}


def read_key_values(text: str, result: ParsedRemittance) -> None:
    """Fill the totals / header fields of *result* from "Key: value" lines of *text*."""
    for raw in text.splitlines()[:2000]:
        match = _KEY_VALUE.match(raw)
        if not match:
            continue
        key = _KEY_BY_NAME.get(normalise_header(match.group(1)))
        value = match.group(2).strip()
        if key is None or not value or len(value) > 100:
            continue
        if key == "total_net" and result.total_net_pence is None:
            try:
                result.total_net_pence = parse_amount(value, "net")
            except MoneyError as exc:
                result.add_problem(exc.message, None, match.group(1).strip())
        elif key == "date" and result.date is None:
            try:
                result.date = parse_uk_date(value)
            except DateError as exc:
                result.add_problem(exc.message, None, match.group(1).strip())
        elif key == "reference" and not result.reference:
            from minimin.core.forms import check_text

            if check_text(value) is None:
                result.reference = value
        elif key == "agency_invoice_number" and not result.agency_invoice_number:
            from minimin.core.forms import check_text

            if check_text(value) is None:
                result.agency_invoice_number = value
