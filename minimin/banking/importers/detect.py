"""Detection of a statement's encoding, delimiter and date format, and parsing of the amounts
and dates banks write. Pure functions."""

from __future__ import annotations

import calendar
import csv
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import lru_cache

from flask_babel import lazy_gettext as _l

from minimin.banking.importers import MAX_PENCE, StatementError

ENCODINGS = ("utf-8", "utf-16", "windows-1252")
DELIMITERS = (",", ";", "\t", "|")
#: Date orders: day-month-year, month-day-year, year-month-day (ISO).
DMY, MDY, YMD = "dmy", "mdy", "ymd"
DATE_ORDERS = (DMY, MDY, YMD)

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig", "utf-8"),
    (b"\xff\xfe", "utf-16-le", "utf-16"),
    (b"\xfe\xff", "utf-16-be", "utf-16"),
)
#: Bytes that Windows-1252 leaves undefined: their presence means it is not Windows-1252.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _row_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding name) of a statement file.

    A byte-order mark decides UTF-8 or UTF-16 (LE/BE). Otherwise the file is UTF-8 if it
    decodes as UTF-8; Windows-1252 (the "£" of older Excel exports) if it has no valid UTF-8
    multi-byte sequence at all; and a mixture is refused naming the first bad row. NUL bytes
    (a binary file, or UTF-16 without a BOM) are refused."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(
                    codec.removesuffix("-sig") if name == "utf-16" else codec
                )
            except UnicodeDecodeError as exc:
                raise StatementError(
                    _l("The file says it is %(enc)s but is not valid %(enc)s.", enc=name.upper()),
                    row=_row_of(data, exc.start) if name == "utf-8" else None,
                ) from exc
            return _check_text(text), name
    if b"\x00" in data:
        raise StatementError(
            _l(
                "The file contains NUL bytes: it is not a text statement (a UTF-16 file needs "
                "its byte-order mark)."
            ),
            row=_row_of(data, data.index(b"\x00")),
        )
    if encoding == "windows-1252":
        return _decode_1252(data), "windows-1252"
    try:
        return _check_text(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError as exc:
        if encoding == "utf-8" or _UTF8_MULTIBYTE.search(data):
            raise StatementError(
                _l("The file is not valid UTF-8 (byte %(byte)s).", byte=f"0x{data[exc.start]:02X}"),
                row=_row_of(data, exc.start),
            ) from exc
        return _decode_1252(data), "windows-1252"


def _decode_1252(data: bytes) -> str:
    for offset, byte in enumerate(data):
        if byte in _CP1252_UNDEFINED:
            raise StatementError(
                _l("The file is neither UTF-8 nor Windows-1252 text."), row=_row_of(data, offset)
            )
    return _check_text(data.decode("windows-1252"))


def _check_text(text: str) -> str:
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise StatementError(_l("The file contains a NUL character."), row=line)
    return text


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV text: csv.Sniffer on the first lines, else the candidate that
    appears the same (non-zero) number of times on most of the first lines, else a comma."""
    lines = [line for line in text.splitlines()[:30] if line.strip()]
    sample = "\n".join(lines)
    try:
        found = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
        if found in DELIMITERS:
            return found
    except csv.Error:
        pass
    best, best_score = ",", 0
    for candidate in DELIMITERS:
        counts = [_count_outside_quotes(line, candidate) for line in lines]
        counts = [c for c in counts if c]
        if not counts:
            continue
        common = max(set(counts), key=counts.count)
        score = counts.count(common) * 10 + common
        if score > best_score:
            best, best_score = candidate, score
    return best


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            count += 1
    return count


# --------------------------------------------------------------------------- dates

_MONTHS = {
    name.lower(): n
    for n in range(1, 13)
    for name in (calendar.month_abbr[n], calendar.month_name[n])
}
_MONTHS["sept"] = 9
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?", re.ASCII)
_YMD_SLASH = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})", re.ASCII)
_NUMERIC = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?:\s+[0-9:]+)?", re.ASCII)
_WORDS = re.compile(
    r"(\d{1,2})[\s\-]([A-Za-z]{3,9})\.?[\s\-,]+(\d{4}|\d{2})(?:\s+[0-9:]+)?", re.ASCII
)


def date_shape(text: str) -> tuple[int, int] | None:
    """For a numeric a/b/yyyy date, (a, b); None for unambiguous shapes (ISO, month names).
    Raises :class:`ValueError` when *text* is not a date at all."""
    value = text.strip()
    if _ISO.fullmatch(value) or _YMD_SLASH.fullmatch(value) or _WORDS.fullmatch(value):
        return None
    if match := _NUMERIC.fullmatch(value):
        return int(match.group(1)), int(match.group(3))
    raise ValueError(value)


def detect_date_order(values: Iterable[str]) -> str | None:
    """The date order of a column decided from all its values: ``dmy`` when some first part is
    over 12, ``mdy`` when some second part is, ``ymd`` for ISO dates, ``None`` when every date
    reads both ways (ask the user). Values that are not dates are skipped (reported later)."""
    day_first = month_first = numeric = False
    for value in values:
        try:
            shape = date_shape(value)
        except ValueError:
            continue
        if shape is None:
            continue
        numeric = True
        a, b = shape
        if a > 12:
            day_first = True
        if b > 12:
            month_first = True
        if day_first and month_first:
            raise StatementError(
                _l(
                    "The dates mix day-first and month-first orders (for example “%(value)s”).",
                    value=value[:40],
                )
            )
    if day_first:
        return DMY
    if month_first:
        return MDY
    return None if numeric else YMD


def parse_date(text: str, order: str | None) -> date:
    """A statement date in *order* (ISO and month-name dates need none). Raises
    :class:`StatementError` (without row/column: the caller adds them)."""
    return _parse_date(text, order)


@lru_cache(maxsize=8192)
def _parse_date(text: str, order: str | None) -> date:
    value = text.strip()
    if not value:
        raise StatementError(_l("The date is empty."))
    if len(value) > 40:
        raise StatementError(_l("“%(value)s…” is not a date.", value=value[:20]))
    if match := _ISO.fullmatch(value) or _YMD_SLASH.fullmatch(value):
        year, month, day = match.group(1), match.group(2), match.group(3)
    elif match := _WORDS.fullmatch(value):
        month_n = _MONTHS.get(match.group(2).lower())
        if month_n is None:
            raise StatementError(_l("“%(value)s” has an unknown month name.", value=value))
        year, month, day = match.group(3), str(month_n), match.group(1)
    elif match := _NUMERIC.fullmatch(value):
        if order is None:
            raise StatementError(
                _l(
                    "“%(value)s” could be day-first or month-first: choose the date order.",
                    value=value,
                )
            )
        first, second, year = match.group(1), match.group(3), match.group(4)
        day, month = (second, first) if order == MDY else (first, second)
    else:
        raise StatementError(_l("“%(value)s” is not a date.", value=value))
    y, m, d = int(year), int(month), int(day)
    if len(year) == 2:
        y += 2000
    if not 1900 <= y <= 2100:
        raise StatementError(
            _l("“%(value)s”: the year must be between 1900 and 2100.", value=value)
        )
    if not 1 <= m <= 12:
        raise StatementError(_l("“%(value)s”: there is no month %(month)d.", value=value, month=m))
    last = calendar.monthrange(y, m)[1]
    if not 1 <= d <= last:
        raise StatementError(
            _l(
                "“%(value)s” does not exist: %(month)s %(year)d has %(last)d days.",
                value=value,
                month=calendar.month_name[m],
                year=y,
                last=last,
            )
        )
    return date(y, m, d)


# --------------------------------------------------------------------------- amounts

#: The usual shape ("-12.34"), parsed without Decimal; at most £100 million by construction.
_FAST = re.compile(r"(-?)(\d{1,8})\.(\d\d)", re.ASCII)
_PLAIN = re.compile(r"\d+(?:\.\d+)?|\.\d+", re.ASCII)
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", re.ASCII)
_CURRENCY = ("£", "$", "€", "GBP", "USD", "EUR")
_MINUS = ("-", "−", "–")


def _take_sign(value: str) -> tuple[bool, str]:
    """Whether the amount (spaces removed) is negative, and the amount without its sign marks
    and currency. Banks write a sign many ways (``DR``, brackets, a minus before or after the
    currency symbol, a trailing minus) and each mark flips it, so ``(-12)`` is positive."""
    negative = False
    upper = value.upper()
    if upper.endswith(("CR", "DR")):
        negative = upper.endswith("DR")
        value = value[:-2]
    if value.startswith("(") and value.endswith(")"):
        negative, value = not negative, value[1:-1]
    if value[:1] in _MINUS:
        negative, value = not negative, value[1:]
    elif value[:1] == "+":
        value = value[1:]
    for symbol in _CURRENCY:
        if value.upper().startswith(symbol):
            value = value[len(symbol) :]
            break
    if value[:1] in _MINUS:  # "£-12.00"
        negative, value = not negative, value[1:]
    if value.endswith("-"):  # "12.00-"
        negative, value = not negative, value[:-1]
    return negative, value


def _plain_digits(value: str, raw: str, decimal_comma: bool) -> str:
    """*value* (unsigned) as plain ``1234.56`` digits for Decimal; otherwise a StatementError
    naming what is wrong with *raw*. Checked here because Decimal itself would accept NaN,
    infinity and exponents."""
    if decimal_comma and "," in value and "." not in value:
        value = value.replace(",", ".")
    if _GROUPED.fullmatch(value):
        return value.replace(",", "")
    if _PLAIN.fullmatch(value):
        return value
    lowered = raw.lower()
    if "nan" in lowered or "inf" in lowered:
        raise StatementError(_l("“%(value)s” is not a number.", value=raw))
    if "e" in lowered:
        raise StatementError(_l("“%(value)s”: write the amount without an exponent.", value=raw))
    raise StatementError(_l("“%(value)s” is not an amount.", value=raw))


def parse_amount(text: str, *, decimal_comma: bool = False) -> int:
    """Signed pence from a bank's amount: ``-12.34``, ``(12.34)``, ``1,234.56``, ``£12``,
    ``-£5.00``, ``12.34 CR`` / ``12.34 DR``, ``+3``. Refuses NaN, infinity, exponents (1e309),
    more than two decimal places and amounts over £100 million, with a message."""
    if fast := _FAST.fullmatch(text):
        pence = int(fast.group(2)) * 100 + int(fast.group(3))
        return -pence if fast.group(1) else pence
    raw = text.strip()
    if not raw:
        raise StatementError(_l("The amount is empty."))
    if len(raw) > 40:
        raise StatementError(_l("“%(value)s…” is not an amount.", value=raw[:20]))
    negative, value = _take_sign(raw.replace("\u00a0", "").replace(" ", ""))
    amount = Decimal(_plain_digits(value, raw, decimal_comma))
    if amount * 100 > MAX_PENCE:
        raise StatementError(_l("“%(value)s” is larger than £100 million.", value=raw))
    if amount != amount.quantize(Decimal("0.01")):
        raise StatementError(_l("“%(value)s” has more than two decimal places.", value=raw))
    pence = int(amount * 100)
    return -pence if negative else pence
