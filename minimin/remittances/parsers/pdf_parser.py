"""Read a remittance from a PDF's text (pdfplumber), for clear tabular layouts.

What it understands:

* a table with a header row naming the columns (``Job | Gross | Commission | VAT | Net``, the
  same flexible names as CSV), found by pdfplumber's ruled-table detection or, failing that,
  by text alignment; or, failing both, lines of text whose header line names the columns and
  whose rows end in amounts;
* a block of ``Key: value`` lines for the totals and header (``Total net: £820.00``,
  ``Date: 12/05/2025``, ``Reference: RA-123``, ``Invoice number: SB-0042``).

What it cannot read (a scanned image, a layout without a header row) is reported as problems,
and the lines that were read are kept so that manual entry can start from them.

Pure: bytes in, :class:`ParsedRemittance` out. The caller validates the upload (size, PDF
structure, no active content) with :func:`minimin.core.uploads.validate_pdf` first.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l

from minimin.remittances.parsers.common import (
    ParsedRemittance,
    ParseProblem,
    RemittanceParseError,
    looks_like_header,
    map_headers,
    read_key_values,
    read_rows,
)

#: Pages read at most (a remittance is a page or two); a longer file is refused.
MAX_PAGES = 20
#: Characters one page may hold (a dense A4 page of small print has about 6,000).
MAX_CHARS_PER_PAGE = 20_000
#: Drawn objects (characters, lines, rectangles, curves, images) one page may hold. Table
#: detection compares them with each other, so a page of a million tiny strokes would hold the
#: reader for minutes.
MAX_OBJECTS_PER_PAGE = 30_000
#: Bytes of drawing instructions one page may hold once decompressed, checked before they are
#: interpreted (a dense page of text takes about 200 KB).
MAX_CONTENT_PER_PAGE = 2 * 1024 * 1024
_AMOUNT = r"\(?-?£?\s?[0-9][0-9,]*(?:\.[0-9]{1,2})?\)?-?"
_TRAILING_AMOUNTS = re.compile(rf"^(.*?)((?:\s+{_AMOUNT})+)\s*$")
_SPLIT = re.compile(r"\s{2,}|\t")


def _clean(cell: Any) -> str:
    return " ".join(str(cell or "").split())


def _tables(page: Any) -> list[list[list[str]]]:
    found: list[list[list[str]]] = []
    for settings in (None, {"vertical_strategy": "text", "horizontal_strategy": "text"}):
        try:
            tables = page.extract_tables() if settings is None else page.extract_tables(settings)
        except Exception:
            tables = []
        for table in tables or []:
            rows = [[_clean(c) for c in row] for row in table if row]
            if rows:
                found.append(rows)
        if any(_header_index(t) is not None for t in found):
            break
    return found


def _header_index(rows: Sequence[Sequence[str]]) -> int | None:
    for index, row in enumerate(rows[:10]):
        if looks_like_header(row):
            return index
    return None


def _text_rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    """Header and rows from plain text lines: the header line names the columns; each row is
    a description followed by as many amounts as there are amount columns."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        cells = [c for c in _SPLIT.split(line.strip()) if c] or line.split()
        if len(cells) < 2 or not looks_like_header(cells):
            words = line.split()
            if not looks_like_header(words):
                continue
            cells = words
        header = cells
        mapping = map_headers(header)
        amounts_wanted = len([c for c in mapping if c not in ("reference", "description")])
        rows: list[tuple[int, list[str]]] = []
        for offset, row_text in enumerate(lines[index + 1 :], start=2):
            match = _TRAILING_AMOUNTS.match(row_text.strip())
            if not match:
                if rows:
                    break
                continue
            amounts = match.group(2).split()
            lead = match.group(1).strip()
            if len(amounts) > amounts_wanted:
                lead = " ".join([lead, *amounts[: len(amounts) - amounts_wanted]]).strip()
                amounts = amounts[len(amounts) - amounts_wanted :]
            if len(amounts) != amounts_wanted:
                continue
            text_columns = len(header) - amounts_wanted
            lead_cells = [lead] + [""] * max(0, text_columns - 1)
            rows.append((offset, [*lead_cells, *amounts]))
        if rows:
            return header, rows
    return None


def _too_large(message: Any) -> RemittanceParseError:
    return RemittanceParseError([ParseProblem(message)])


def _check_size(document: Any) -> None:
    if len(document.pages) > MAX_PAGES:
        raise _too_large(
            _l(
                "The PDF has more than %(n)d pages; a remittance is read from at most %(n)d. "
                "Enter it by hand, or upload the pages with the table.",
                n=MAX_PAGES,
            )
        )


def _content_size(page: Any) -> int:
    from pdfminer.pdftypes import resolve1

    size = 0
    for stream in page.page_obj.contents:
        size += len(resolve1(stream).get_data())
        if size > MAX_CONTENT_PER_PAGE:
            break
    return size


def _check_page(page: Any, number: int) -> None:
    """Refuse a page whose content would take the reader too long (before reading its text)."""
    if _content_size(page) > MAX_CONTENT_PER_PAGE:
        raise _too_large(
            _l(
                "Page %(page)d of the PDF holds too much to read as a remittance. Enter it by "
                "hand.",
                page=number,
            )
        )
    objects = page.objects  # parses the page's content stream once; cached on the page
    chars = len(objects.get("char", ()))
    drawn = sum(len(items) for items in objects.values())
    if chars > MAX_CHARS_PER_PAGE or drawn > MAX_OBJECTS_PER_PAGE:
        raise _too_large(
            _l(
                "Page %(page)d of the PDF holds too much to read as a remittance. Enter it by "
                "hand.",
                page=number,
            )
        )


def parse_pdf(data: bytes) -> ParsedRemittance:
    """Parse a remittance PDF. Raises :class:`RemittanceParseError` when the file cannot be
    opened; otherwise returns what was read with the problems found (``result.ok`` is True
    only when lines were read and nothing was doubtful)."""
    import pdfplumber

    result = ParsedRemittance()
    try:
        document = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:
        raise RemittanceParseError(
            [ParseProblem(_l("The PDF could not be opened. Enter the remittance by hand."))]
        ) from exc
    texts: list[str] = []
    table_found = False
    with document:
        _check_size(document)
        for page_number, page in enumerate(document.pages, start=1):
            _check_page(page, page_number)
            try:
                text = page.extract_text() or ""
            except Exception:
                text = ""
            texts.append(text)
            for table in _tables(page):
                start = _header_index(table)
                if start is None:
                    continue
                table_found = True
                header = table[start]
                mapping = map_headers(header)
                result.columns = {c: header[i] for c, i in mapping.items()}
                rows = [(n + 1, row) for n, row in enumerate(table) if n > start]
                before = len(result.problems)
                read_rows(rows, mapping, len(header), result, strict_width=False, headers=header)
                for problem in result.problems[before:]:
                    problem.message = _l(
                        "page %(page)d: %(message)s", page=page_number, message=problem.message
                    )
                break
    full_text = "\n".join(texts)
    if not full_text.strip():
        result.add_problem(
            _l(
                "The PDF has no text to read (it may be a scanned image). Enter the "
                "remittance by hand."
            )
        )
        return result
    if not table_found:
        found = _text_rows(full_text)
        if found is not None:
            header, rows = found
            mapping = map_headers(header)
            result.columns = {c: header[i] for c, i in mapping.items()}
            read_rows(rows, mapping, len(header), result, strict_width=False, headers=header)
            result.notes.append(
                _l("The lines were read from the text layout: check them against the PDF.")
            )
    read_key_values(full_text, result)
    if not result.lines and not result.problems:
        result.add_problem(
            _l(
                "No table of lines with columns such as Job, Gross, Commission, VAT and Net "
                "was found in the PDF. Enter the lines by hand."
            )
        )
    return result
