"""CSV statements: inspect (encoding, delimiter, header, preset, date order, a preview) and
parse with a confirmed column mapping into :class:`ParsedTransaction` rows. Pure functions.

The mapping is a dict of column indexes: ``date``, ``description``, and either ``amount``
(signed) or ``money_in`` and ``money_out``; optionally ``counterparty``, ``reference``,
``fitid``, ``fee`` (subtracted), ``status`` with ``skip_statuses``; plus ``date_order``
(``dmy``/``mdy``/``ymd``, or ``None`` when the dates themselves decide).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from minimin.banking.importers import (
    COUNTERPARTY_MAX,
    DESCRIPTION_MAX,
    FITID_MAX,
    MAX_CELL,
    MAX_ERRORS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    REFERENCE_MAX,
    ParsedTransaction,
    StatementError,
    StatementErrors,
    clean_text,
    detect,
    presets,
)

HEADER_SEARCH_ROWS = 20
PREVIEW_ROWS = 8
FIELDS = (
    "date",
    "description",
    "amount",
    "money_in",
    "money_out",
    "counterparty",
    "reference",
    "fitid",
    "fee",
    "status",
)


@dataclass
class Inspection:
    """What was found in a CSV file, for the preview and column-mapping step."""

    encoding: str
    delimiter: str
    header_row: int | None  # line number (1-based) of the header, None when there is none
    header: list[str]
    mapping: dict[str, Any]
    preset: str | None
    preset_label: str | None
    date_order: str | None
    date_order_needed: bool
    sample: list[list[str]] = field(default_factory=list)
    rows: int = 0

    @property
    def signature(self) -> str:
        return header_signature(self.header)

    def options(self) -> dict[str, Any]:
        return {
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "header_row": self.header_row,
            "columns": len(self.header),
            "header": self.header,
            "mapping": dict(self.mapping, date_order=self.date_order),
        }


def header_signature(header: list[str]) -> str:
    return "|".join(presets.norm(cell) for cell in header)[:1000]


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every non-blank record; CSV faults become StatementError."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            message = str(exc)
            if "field limit" in message or "field larger" in message:
                raise StatementError(
                    _l("a cell is longer than %(max)d characters.", max=MAX_CELL), row=start
                ) from exc
            if "end of data" in message or "EOF" in message:
                raise StatementError(
                    _l("a quoted cell is never closed (unterminated quote)."), row=start
                ) from exc
            raise StatementError(
                _l("the CSV is malformed (%(detail)s).", detail=message[:100]), row=reader.line_num
            ) from exc
        line = start
        start = reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        for index, cell in enumerate(row):
            if len(cell) > MAX_CELL:
                raise StatementError(
                    _l("the cell is longer than %(max)d characters.", max=MAX_CELL),
                    row=line,
                    column=str(index + 1),
                )
        yield line, row


def _decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    if len(data) > MAX_FILE_BYTES:
        raise StatementError(
            _l("The file is larger than %(mb)d MB.", mb=MAX_FILE_BYTES // (1024 * 1024))
        )
    if not data.strip():
        raise StatementError(_l("The file is empty."))
    return detect.decode(data, encoding)


def inspect(data: bytes, remembered: dict[str, Any] | None = None) -> Inspection:
    """Detect how to read *data*. *remembered* is the options the user confirmed last time for
    this account; they are reused when the header is the same."""
    text, encoding = _decode(data)
    delimiter = detect.sniff_delimiter(text)
    records = _records(text, delimiter)
    head: list[tuple[int, list[str]]] = []
    for item in records:
        head.append(item)
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    if not head:
        raise StatementError(_l("The file has no rows."))
    header_row, header, preset = _find_header(head)
    if header_row is None:
        mapping = preset.mapping(header) if preset else presets.guess_mapping(header)
    elif preset is not None:
        mapping = preset.mapping(header)
    else:
        mapping = presets.guess_mapping(header)
    if remembered and remembered.get("signature") == header_signature(header):
        saved = remembered.get("mapping") or {}
        mapping = {key: saved.get(key, mapping.get(key)) for key in set(mapping) | set(saved)}
    # The date order is decided from every row of the date column.
    text_rows = _body(text, delimiter, header_row)
    date_col = mapping.get("date")
    remembered_order = mapping.get("date_order")
    order = remembered_order if isinstance(remembered_order, str) else None
    rows = 0
    sample: list[list[str]] = []
    dates: list[str] = []
    for _line, cells in text_rows:
        rows += 1
        if len(sample) < PREVIEW_ROWS:
            sample.append([clean_text(cell, 80) for cell in cells])
        if isinstance(date_col, int) and date_col < len(cells):
            dates.append(cells[date_col])
    detected = detect.detect_date_order(dates) if dates else None
    if detected is not None:
        order = detected if detected != detect.YMD or order is None else order
    needed = detected is None and any(_numeric(value) for value in dates[:1000])
    if needed and order not in (detect.DMY, detect.MDY):
        order = None
    return Inspection(
        encoding=encoding,
        delimiter=delimiter,
        header_row=header_row,
        header=[clean_text(cell, 100) for cell in header],
        mapping=mapping,
        preset=preset.key if preset else None,
        preset_label=preset.label if preset else None,
        date_order=order,
        date_order_needed=needed,
        sample=sample,
        rows=rows,
    )


def _numeric(value: str) -> bool:
    try:
        return detect.date_shape(value) is not None
    except ValueError:
        return False


def _find_header(
    head: list[tuple[int, list[str]]],
) -> tuple[int | None, list[str], presets.Preset | None]:
    for line, cells in head:
        preset = presets.match_header(cells)
        if preset is not None:
            return line, cells, preset
    for line, cells in head:
        if presets.looks_like_header(cells):
            return line, cells, None
    # No header: a statement that starts with data (HSBC writes Date, Description, Amount).
    _line, first = head[0]
    try:
        detect.date_shape(first[0])
    except (ValueError, IndexError):
        return head[0][0], first, None
    columns = [str(_l("Column %(n)d", n=i + 1)) for i in range(len(first))]
    for preset in presets.PRESETS:
        if preset.headerless_columns == len(first):
            return None, list(preset.header), preset
    return None, columns, None


def _body(text: str, delimiter: str, header_row: int | None) -> Iterator[tuple[int, list[str]]]:
    seen_header = header_row is None
    for line, cells in _records(text, delimiter):
        if not seen_header:
            if line == header_row:
                seen_header = True
            continue
        yield line, cells


def parse(data: bytes, options: dict[str, Any]) -> list[ParsedTransaction]:
    """Every transaction of *data* read with the confirmed *options* (see
    :meth:`Inspection.options`). Raises :class:`StatementErrors` listing each bad row and
    column; nothing is returned unless every row is good."""
    try:
        text, _encoding = _decode(data, options.get("encoding"))
    except StatementError as exc:
        raise StatementErrors([exc]) from exc
    delimiter = options.get("delimiter") or ","
    if delimiter not in detect.DELIMITERS:
        raise StatementErrors([StatementError(_l("Unknown delimiter."))])
    mapping = options.get("mapping") or {}
    header_row = options.get("header_row")
    columns = int(options.get("columns") or 0)
    names = options.get("header") or []
    _check_mapping(mapping, columns)

    def name(index: int) -> str:
        return names[index] if index < len(names) else str(index + 1)

    errors: list[StatementError] = []
    more = 0
    out: list[ParsedTransaction] = []

    def fail(error: StatementError) -> None:
        nonlocal more
        if len(errors) < MAX_ERRORS:
            errors.append(error)
        else:
            more += 1

    try:
        order = _date_order(text, delimiter, header_row, mapping)
        for line, cells in _body(text, delimiter, header_row):
            if len(out) + len(errors) + more >= MAX_ROWS:
                raise StatementError(_l("The file has more than %(max)d rows.", max=MAX_ROWS))
            width_error = _width_error(line, cells, columns)
            if width_error is not None:
                fail(width_error)
                continue
            try:
                row = _parse_row(line, cells, mapping, order, name)
            except StatementError as exc:
                fail(exc)
                continue
            if row is not None:
                out.append(row)
    except StatementError as exc:
        fail(exc)
    if errors:
        raise StatementErrors(errors, more)
    if not out:
        raise StatementErrors([StatementError(_l("The file has no transactions."))])
    return out


def _date_order(
    text: str, delimiter: str, header_row: int | None, mapping: dict[str, Any]
) -> str | None:
    """The date order the user confirmed, else the one the whole date column implies (read
    from every row, so one unambiguous date settles it for all)."""
    order: str | None = mapping.get("date_order")
    if order is not None:
        return order
    date_col = mapping["date"]
    return detect.detect_date_order(
        cells[date_col]
        for _line, cells in _body(text, delimiter, header_row)
        if date_col < len(cells)
    )


def _width_error(line: int, cells: list[str], columns: int) -> StatementError | None:
    """The error for a row whose width differs from the header's, or None. Empty cells past
    the header are let through: a trailing delimiter adds them and loses nothing."""
    if not columns or len(cells) == columns:
        return None
    if len(cells) > columns and not any(cell.strip() for cell in cells[columns:]):
        return None
    return StatementError(
        _l(
            "the row has %(found)d cells but the header has %(expected)d.",
            found=len(cells),
            expected=columns,
        ),
        row=line,
    )


def _check_mapping(mapping: dict[str, Any], columns: int) -> None:
    problems = []
    for key in FIELDS:
        value = mapping.get(key)
        if value is not None and (not isinstance(value, int) or not 0 <= value < max(columns, 1)):
            problems.append(
                StatementError(_l("The column chosen for %(field)s is not in the file.", field=key))
            )
    if mapping.get("date") is None:
        problems.append(StatementError(_l("Choose the column with the date.")))
    if (
        mapping.get("amount") is None
        and mapping.get("money_in") is None
        and mapping.get("money_out") is None
    ):
        problems.append(
            StatementError(_l("Choose the amount column, or the money in and money out columns."))
        )
    if mapping.get("date_order") not in (None, *detect.DATE_ORDERS):
        problems.append(StatementError(_l("Choose a date order.")))
    if problems:
        raise StatementErrors(problems)


def _cell(cells: list[str], index: Any) -> str:
    if isinstance(index, int) and index < len(cells):
        return cells[index]
    return ""


def _parse_row(
    line: int, cells: list[str], mapping: dict[str, Any], order: str | None, name: Any
) -> ParsedTransaction | None:
    status_col = mapping.get("status")
    if status_col is not None:
        status = _cell(cells, status_col).strip().casefold()
        if status in (mapping.get("skip_statuses") or ()):
            return None
    date_col = mapping["date"]
    try:
        posted = detect.parse_date(_cell(cells, date_col), order)
    except StatementError as exc:
        raise StatementError(exc.message, row=line, column=name(date_col)) from exc

    def money(key: str, *, required: bool) -> int | None:
        col = mapping.get(key)
        if col is None:
            return None
        raw = _cell(cells, col)
        if not raw.strip() and not required:
            return None
        try:
            return detect.parse_amount(raw)
        except StatementError as exc:
            raise StatementError(exc.message, row=line, column=name(col)) from exc

    if mapping.get("amount") is not None:
        amount = money("amount", required=True) or 0
        fee = money("fee", required=False)
        if fee:
            amount -= abs(fee)
    else:
        money_in = money("money_in", required=False)
        money_out = money("money_out", required=False)
        if money_in is None and money_out is None:
            col = (
                mapping.get("money_in")
                if mapping.get("money_in") is not None
                else mapping.get("money_out")
            )
            raise StatementError(
                _l("neither money in nor money out is given."), row=line, column=name(col)
            )
        amount = abs(money_in or 0) - abs(money_out or 0)
    fitid = clean_text(_cell(cells, mapping.get("fitid")), FITID_MAX) or None
    return ParsedTransaction(
        row=line,
        posted_on=posted,
        amount_pence=amount,
        description=clean_text(_cell(cells, mapping.get("description")), DESCRIPTION_MAX),
        counterparty=clean_text(_cell(cells, mapping.get("counterparty")), COUNTERPARTY_MAX),
        reference=clean_text(_cell(cells, mapping.get("reference")), REFERENCE_MAX),
        fitid=fitid,
    )
