"""CSV remittances: flexible headers, robust decoding, amounts, and problems naming row and
column (the import catalogue of docs/security.md ("Imports"))."""

from __future__ import annotations

import datetime as dt

import pytest

from minimin.remittances.parsers.common import RemittanceParseError, map_headers
from minimin.remittances.parsers.csv_parser import parse_csv

GOOD = (
    "Job Ref,Description,Date,Gross Fee,Commission,VAT on commission,Expenses,Net paid\r\n"
    'BK-101,Spring campaign,12/05/2025,"1,000.00",150.00,30.00,,820.00\r\n'
    "BK-102,Lookbook,13/05/2025,£500,75.00,15.00,(5.00),405.00\r\n"
    'Total,,,,,,,"1,225.00"\r\n'
)


def problems(result) -> list[str]:
    return [str(p) for p in result.problems]


def test_reads_lines_amounts_dates_and_the_total_row() -> None:
    result = parse_csv(GOOD.encode())
    assert result.ok
    first, second = result.lines
    assert (first.reference, first.description) == ("BK-101", "Spring campaign")
    assert first.work_date == dt.date(2025, 5, 12)
    assert (first.gross_pence, first.commission_pence, first.commission_vat_pence) == (
        100000,
        15000,
        3000,
    )
    assert first.expenses_pence == 0 and first.net_pence == 82000
    assert second.gross_pence == 50000 and second.expenses_pence == -500
    assert result.total_net_pence == 122500


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-8-sig"),
        lambda t: t.encode("utf-16"),
        lambda t: t.encode("cp1252"),
        lambda t: t.encode("utf-8"),
    ],
    ids=["utf8-bom", "utf16", "windows-1252", "utf8"],
)
def test_decodes_bom_utf16_and_windows_1252(encode) -> None:
    result = parse_csv(encode(GOOD))
    assert result.ok, problems(result)
    assert [line.gross_pence for line in result.lines] == [100000, 50000]
    assert result.columns["reference"] == "Job Ref"


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_sniffs_the_delimiter(delimiter: str) -> None:
    header = delimiter.join(["Job", "Gross", "Commission", "VAT", "Net"])
    row = delimiter.join(["A", "100", "10", "2", "88"])
    text = f"{header}\n{row}\n"
    result = parse_csv(text.encode())
    assert result.ok
    assert result.lines[0].net_pence == 8800


def test_header_names_are_mapped_flexibly() -> None:
    mapping = map_headers(["Booking ref", "Fee (£)", "Comm.", "Comm VAT", "Net to you", "Exp."])
    assert mapping == {
        "reference": 0,
        "gross": 1,
        "commission": 2,
        "commission_vat": 3,
        "net": 4,
        "expenses": 5,
    }


@pytest.mark.parametrize(
    ("cell", "row", "column", "message"),
    [
        ("NaN", 2, "Gross", "NaN"),
        ("1e309", 2, "Gross", "exponent"),
        ("12.345", 2, "Gross", "decimal places"),
        ("-12.00", 2, "Gross", "zero or more"),
        ("(12.34)", 2, "Gross", "zero or more"),
        ("twelve", 2, "Gross", "figures"),
        ("", 2, "Gross", "empty"),
    ],
)
def test_bad_amounts_name_row_and_column(cell: str, row: int, column: str, message: str) -> None:
    text = f'Job,Gross,Net\nA,"{cell}",10.00\n'
    result = parse_csv(text.encode())
    assert not result.lines
    [problem] = problems(result)
    assert f"Row {row}" in problem and f"“{column}”" in problem and message in problem


def test_thirty_february_and_29_february_2023_are_refused_with_the_row() -> None:
    text = "Job,Date,Gross,Net\nA,30/02/2025,10,10\nB,29/02/2023,10,10\nC,29/02/2024,10,10\n"
    result = parse_csv(text.encode())
    found = problems(result)
    assert len(found) == 2
    assert "Row 2" in found[0] and "“Date”" in found[0] and "does not exist" in found[0]
    assert "Row 3" in found[1]
    assert [line.reference for line in result.lines] == ["C"]


def test_ragged_row_is_named() -> None:
    result = parse_csv(b"Job,Gross,Net\nA,10,10,surprise\nB,5,5\n")
    assert problems(result) == ["Row 2: this row has 4 cells but the header has 3."]


def test_unterminated_quote_stops_the_import() -> None:
    with pytest.raises(RemittanceParseError) as info:
        parse_csv(b'Job,Gross,Net\nA,"10,10\n')
    assert "Row 2" in str(info.value) and "quoted" in str(info.value)


def test_huge_cell_is_refused() -> None:
    text = "Job,Gross,Net\n" + "A" * 5000 + ",10,10\n"
    result = parse_csv(text.encode())
    assert "longer than 1000" in problems(result)[0]


def test_hostile_text_is_refused_not_stored() -> None:
    with pytest.raises(RemittanceParseError, match="not readable text"):
        parse_csv(b"Job,Gross,Net\nA\x00B,10,10\n")
    result = parse_csv(b"Job,Gross,Net\nA\x07B,10,10\n")
    assert "Row 2" in problems(result)[0] and "control characters" in problems(result)[0]
    result = parse_csv(b'Job,Gross,Net\n"<script>alert(1)</script>",10,10\n')
    assert result.ok and result.lines[0].reference == "<script>alert(1)</script>"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"Job,Description\nA,B\n", "No column for Gross fee, Net paid"),
        (b"\x00\x01\x02\xff\xfe\x00garbage\x81\x8d", "not readable text"),
        (b"Job,Gross,Net\n" + b"A,1,1\n" * 200_000, "larger than 1 MB"),
    ],
)
def test_unreadable_files_say_why(data: bytes, message: str) -> None:
    with pytest.raises(RemittanceParseError) as info:
        parse_csv(data)
    assert message in str(info.value)


def test_header_only_is_a_problem() -> None:
    result = parse_csv(b"Job,Gross,Net\n")
    assert not result.ok and "no lines" in problems(result)[0]
