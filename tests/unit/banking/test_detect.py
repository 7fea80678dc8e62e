"""Encoding, delimiter, date and amount detection: the import catalogue of docs/security.md
("Imports")."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minimin.banking.importers import StatementError
from minimin.banking.importers.detect import (
    DMY,
    MDY,
    YMD,
    decode,
    detect_date_order,
    parse_amount,
    parse_date,
    sniff_delimiter,
)

TEXT = "Date,Description,Amount\n01/02/2025,Café £5,-5.00\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8"),
        (b"\xff\xfe" + TEXT.encode("utf-16-le"), "utf-16"),
        (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16"),
        (TEXT.encode("windows-1252"), "windows-1252"),
    ],
)
def test_encodings_are_detected(data: bytes, encoding: str) -> None:
    text, found = decode(data)
    assert found == encoding
    assert text == TEXT


def test_invalid_utf8_in_a_utf8_file_names_the_row() -> None:
    data = "Date,Description\n01/02/2025,Café\n02/02/2025,bad \xff here\n".encode("latin-1")
    data = data.replace("Café".encode("latin-1"), "Café".encode())
    with pytest.raises(StatementError) as info:
        decode(data)
    assert info.value.row == 3
    assert "not valid UTF-8" in str(info.value)
    assert "Row 3" in str(info.value)


def test_nul_bytes_are_refused() -> None:
    with pytest.raises(StatementError, match="NUL"):
        decode(b"Date,Amount\n01/01/2025,\x00\n")


def test_utf16_bom_with_broken_body_is_refused() -> None:
    with pytest.raises(StatementError, match="UTF-16"):
        decode(b"\xff\xfe" + "ab".encode("utf-16-le") + b"\x00\xd8")


def test_undefined_windows_1252_byte_is_refused() -> None:
    with pytest.raises(StatementError, match="neither UTF-8 nor Windows-1252"):
        decode(b"Date,Amount\n01/01/2025,\x81\n")


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("Date;Description;Amount\n01/02/2025;A;1,00\n02/02/2025;B;2,00\n", ";"),
        ("Date\tDescription\tAmount\n01/02/2025\tA\t1.00\n", "\t"),
        ("Date|Description|Amount\n01/02/2025|A|1.00\n", "|"),
        ('Date,Description,Amount\n01/02/2025,"A; B",1.00\n', ","),
        ("Date,Amount\n", ","),
    ],
)
def test_delimiters(text: str, delimiter: str) -> None:
    assert sniff_delimiter(text) == delimiter


@pytest.mark.parametrize(
    ("values", "order"),
    [
        (["01/02/2025", "13/02/2025"], DMY),
        (["01/02/2025", "02/13/2025"], MDY),
        (["2025-02-01", "2025-02-13"], YMD),
        (["01/02/2025", "03/04/2025"], None),
        (["01 Feb 2025", "02 Feb 2025"], YMD),
    ],
)
def test_date_order_is_decided_from_all_rows(values: list[str], order: str | None) -> None:
    assert detect_date_order(values) == order


def test_mixed_date_orders_are_refused() -> None:
    with pytest.raises(StatementError, match="mix"):
        detect_date_order(["13/02/2025", "02/13/2025"])


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("01/02/2025", DMY, date(2025, 2, 1)),
        ("01/02/2025", MDY, date(2025, 1, 2)),
        ("1.2.25", DMY, date(2025, 2, 1)),
        ("2025-02-01", None, date(2025, 2, 1)),
        ("2025-02-01 10:12:00", None, date(2025, 2, 1)),
        ("2025-02-01T10:12:00Z", None, date(2025, 2, 1)),
        ("01 Feb 2025", None, date(2025, 2, 1)),
        ("01-Feb-2025", None, date(2025, 2, 1)),
        ("29/02/2024", DMY, date(2024, 2, 29)),
    ],
)
def test_dates(text: str, order: str | None, expected: date) -> None:
    assert parse_date(text, order) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("29/02/2023", "February 2023 has 28 days"),
        ("31/04/2025", "April 2025 has 30 days"),
        ("01/13/2025", "no month 13"),
        ("01/02/0001", "year must be between"),
        ("", "empty"),
        ("yesterday", "is not a date"),
        ("01 Foo 2025", "unknown month"),
        ("x" * 100, "is not a date"),
    ],
)
def test_bad_dates(text: str, message: str) -> None:
    with pytest.raises(StatementError, match=message):
        parse_date(text, DMY)


def test_ambiguous_date_without_order_asks() -> None:
    with pytest.raises(StatementError, match="choose the date order"):
        parse_date("03/04/2025", None)


@pytest.mark.parametrize(
    ("text", "pence"),
    [
        ("12.34", 1234),
        ("-12.34", -1234),
        ("(12.34)", -1234),
        ("1,234.56", 123456),
        ("-1,234,567.00", -123456700),
        ("£12", 1200),
        ("-£12.00", -1200),
        ("£-12.00", -1200),
        ("12.34 CR", 1234),
        ("12.34 DR", -1234),
        ("12.34-", -1234),
        ("+3", 300),
        (" 7.5 ", 750),
        ("GBP 4.00", 400),
        ("−2.00", -200),
    ],
)
def test_amounts(text: str, pence: int) -> None:
    assert parse_amount(text) == pence


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("NaN", "not a number"),
        ("sNaN", "not a number"),
        ("Infinity", "not a number"),
        ("1e309", "exponent"),
        ("1E5", "exponent"),
        ("12.345", "more than two decimal places"),
        ("99999999999", "larger than £100 million"),
        ("12,34", "not an amount"),
        ("1,2345.00", "not an amount"),
        ("", "empty"),
        ("abc", "not an amount"),
        ("9" * 50, "not an amount"),
    ],
)
def test_bad_amounts(text: str, message: str) -> None:
    with pytest.raises(StatementError, match=message):
        parse_amount(text)


def test_decimal_comma_for_ofx() -> None:
    assert parse_amount("-12,34", decimal_comma=True) == -1234


@given(st.integers(min_value=-10_000_000_000, max_value=10_000_000_000))
def test_amount_round_trip(pence: int) -> None:
    sign = "-" if pence < 0 else ""
    whole, frac = divmod(abs(pence), 100)
    assert parse_amount(f"{sign}{whole}.{frac:02d}") == pence
    assert parse_amount(f"{sign}£{whole:,}.{frac:02d}") == pence
    if pence:
        assert parse_amount(f"({whole:,}.{frac:02d})") == -abs(pence)


@given(st.text(max_size=60))
def test_parse_amount_never_crashes(text: str) -> None:
    with contextlib.suppress(StatementError):
        parse_amount(text)
