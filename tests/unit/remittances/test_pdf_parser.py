"""PDF remittances generated with WeasyPrint: a ruled table, a text layout, the totals block,
and documents that cannot be read."""

from __future__ import annotations

import datetime as dt

import pytest
from weasyprint import HTML

from minimin.remittances.parsers.common import RemittanceParseError
from minimin.remittances.parsers.pdf_parser import parse_pdf

ROWS = """
<tr><th>Job</th><th>Gross</th><th>Commission</th><th>VAT</th><th>Net</th></tr>
<tr><td>Spring campaign</td><td>1,000.00</td><td>150.00</td><td>30.00</td><td>820.00</td></tr>
<tr><td>Lookbook 2</td><td>500.00</td><td>100.00</td><td>20.00</td><td>380.00</td></tr>
"""
TOTALS = """<p>Reference: RA-2025-014</p><p>Date: 12/05/2025</p>
<p>Self-billing invoice no: SB-0042</p>"""


def pdf(body: str, css: str = "td,th{border:1px solid #000;padding:4px 8px}") -> bytes:
    head = f"<head><style>{css}</style></head>"
    html = f"<html>{head}<body><h1>Remittance advice</h1>{body}</body></html>"
    return HTML(string=html).write_pdf()


def table(rows: str = ROWS) -> str:
    return f'<table style="border-collapse:collapse">{rows}</table>'


@pytest.mark.parametrize(
    "css",
    ["td,th{border:1px solid #000;padding:4px 8px}", "td,th{padding:4px 14px}"],
    ids=["ruled", "text-layout"],
)
def test_reads_the_table_and_the_totals_block(css: str) -> None:
    result = parse_pdf(pdf(TOTALS + table() + "<p>Total net: £1,200.00</p>", css))
    assert result.ok, [str(p) for p in result.problems]
    assert [
        (ln.reference, ln.gross_pence, ln.commission_pence, ln.commission_vat_pence, ln.net_pence)
        for ln in result.lines
    ] == [
        ("Spring campaign", 100000, 15000, 3000, 82000),
        ("Lookbook 2", 50000, 10000, 2000, 38000),
    ]
    assert result.total_net_pence == 120000
    assert result.date == dt.date(2025, 5, 12)
    assert result.reference == "RA-2025-014"
    assert result.agency_invoice_number == "SB-0042"


def test_a_bad_cell_is_reported_and_the_rest_kept() -> None:
    rows = ROWS.replace("500.00", "5OO.00")
    result = parse_pdf(pdf(table(rows)))
    assert [ln.reference for ln in result.lines] == ["Spring campaign"]
    [problem] = [str(p) for p in result.problems]
    assert "Row 3" in problem and "“Gross”" in problem and "page 1" in problem


def test_a_pdf_without_a_table_says_so() -> None:
    result = parse_pdf(pdf("<p>Thank you for your work this month.</p>"))
    assert not result.ok and not result.lines
    assert "No table of lines" in str(result.problems[0])


def test_a_pdf_without_text_says_so() -> None:
    result = parse_pdf(pdf("", css="body{}"))
    assert not result.ok
    assert "no text" in str(result.problems[0]) or "No table" in str(result.problems[0])


def test_not_a_pdf_cannot_be_opened() -> None:
    with pytest.raises(RemittanceParseError) as info:
        parse_pdf(b"%PDF-1.4 this is not really a pdf")
    assert "could not be opened" in str(info.value)


def test_thirty_february_in_the_totals_block_is_a_problem() -> None:
    result = parse_pdf(pdf("<p>Date: 30/02/2025</p>" + table()))
    assert result.lines and result.date is None
    assert any("does not exist" in str(p) for p in result.problems)
