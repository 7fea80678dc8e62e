"""Read a remittance from a CSV export: decoding, delimiter, header mapping, amounts.

Decoding is robust the same way as bank statement imports: a UTF-8 BOM, UTF-16 (with a BOM),
plain UTF-8, else Windows-1252 (the usual encoding of a spreadsheet saved on Windows, where £ is
byte 0xA3). The delimiter is sniffed from the header line (comma, semicolon, tab or pipe).
Header names are mapped flexibly (:data:`~minimin.remittances.parsers.common.SYNONYMS`).

Pure: bytes in, :class:`ParsedRemittance` out. Every problem names its row (the row number a
spreadsheet shows, the header being row 1) and column.
"""

from __future__ import annotations

import csv
import io

from flask_babel import lazy_gettext as _l

from minimin.remittances.parsers.common import (
    ParsedRemittance,
    ParseProblem,
    RemittanceParseError,
    describe_missing,
    map_headers,
    missing_columns,
    read_rows,
)

#: Largest CSV accepted, in bytes.
MAX_CSV_BYTES = 1024 * 1024
DELIMITERS = (",", ";", "\t", "|")


def decode(data: bytes) -> str:
    """The text of *data*; :class:`RemittanceParseError` when it is not text at all."""
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8", "cp1252"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise RemittanceParseError(
        [
            ParseProblem(
                _l(
                    "The file is not readable text. Save it from your spreadsheet as CSV "
                    "(UTF-8) and try again."
                )
            )
        ]
    )


def sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def parse_csv(data: bytes) -> ParsedRemittance:
    """Parse a remittance CSV. Raises :class:`RemittanceParseError` when nothing can be read
    (not text, no header, unterminated quote...); otherwise returns the lines read, with any
    row problems in ``problems``."""
    if len(data) > MAX_CSV_BYTES:
        raise RemittanceParseError(
            [ParseProblem(_l("The file is larger than 1 MB: a remittance is never this long."))]
        )
    if not data.strip():
        raise RemittanceParseError([ParseProblem(_l("The file is empty."))])
    text = decode(data)
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        for cells in reader:
            number = reader.line_num
            if header is None:
                if not any(c.strip() for c in cells):
                    continue
                header = [c.strip().lstrip("\ufeff").strip() for c in cells]
                header_row = number
                continue
            rows.append((number, cells))
            if len(rows) > 1000:
                raise RemittanceParseError([ParseProblem(_l("The file has more than 1,000 rows."))])
    except csv.Error as exc:
        message = str(exc)
        if "field larger" in message:
            why = _l("a cell is far too long.")
        elif "end of data" in message or "EOF" in message or "quote" in message.lower():
            why = _l('a quoted cell is not closed (a " is missing).')
        else:
            why = _l("the row is not valid CSV.")
        raise RemittanceParseError([ParseProblem(why, reader.line_num)]) from exc
    if header is None:
        raise RemittanceParseError([ParseProblem(_l("The file has no rows."))])
    mapping = map_headers(header)
    if missing_columns(mapping):
        raise RemittanceParseError([ParseProblem(describe_missing(mapping), header_row)])
    result = ParsedRemittance(columns={c: header[i] for c, i in mapping.items()})
    read_rows(rows, mapping, len(header), result, headers=header)
    if not result.lines and not result.problems:
        result.add_problem(_l("The file has a header but no lines."))
    return result
