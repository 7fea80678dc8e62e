"""Amounts on invoice and credit-note PDFs: integer minor units of the invoice's currency."""

from __future__ import annotations

import pytest

from minimin.invoices.pdf import money


@pytest.mark.parametrize(
    ("minor_units", "currency", "shown"),
    [
        (123456, "GBP", "£1,234.56"),
        (-5, "EUR", "-€0.05"),
        (1500, "JPY", "JP¥1,500"),  # no minor unit: 1,500 yen, not 15
        (12345, "BHD", "BHD12.345"),  # three decimal places
        (0, "USD", "US$0.00"),
    ],
)
def test_document_amounts_use_the_currency_minor_unit(
    minor_units: int, currency: str, shown: str
) -> None:
    assert money(minor_units, currency) == shown


def test_no_amount_is_blank() -> None:
    assert money(None) == ""
