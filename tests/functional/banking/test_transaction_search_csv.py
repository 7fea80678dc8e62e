"""A bank account's transactions: search (counterparty, description, reference; any case),
column headers that sort and say so (aria-sort), and the CSV of the same selection."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any


def test_search_sort_and_csv(signed_in: Any, account: Any, make_txn: Any) -> None:
    make_txn(-4599, day=date(2025, 3, 1), counterparty="ADOBE SYSTEMS", description="Licence")
    make_txn(120000, day=date(2025, 3, 5), counterparty="=ACME STUDIOS", reference="INV-0007")
    make_txn(-1250, day=date(2025, 3, 9), counterparty="TFL TRAVEL", description="Tube")

    def names(page: str) -> list[str]:
        return re.findall(r'<a href="/banking/transactions/[^"]+">([^<]+)</a>', page)

    base = f"/banking/accounts/{account}"
    page = signed_in.get(base).get_data(as_text=True)
    assert names(page) == ["TFL TRAVEL", "=ACME STUDIOS", "ADOBE SYSTEMS"]
    assert names(signed_in.get(f"{base}?q=inv-0007").get_data(as_text=True)) == ["=ACME STUDIOS"]
    assert names(signed_in.get(f"{base}?q=tube").get_data(as_text=True)) == ["TFL TRAVEL"]
    page = signed_in.get(f"{base}?sort=amount").get_data(as_text=True)
    assert names(page) == ["=ACME STUDIOS", "TFL TRAVEL", "ADOBE SYSTEMS"]  # largest first
    assert 'aria-sort="descending"' in page

    response = signed_in.get(f"{base}/transactions.csv?sort=amount&dir=asc")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert [(r[1], r[5]) for r in rows[1:]] == [
        ("ADOBE SYSTEMS", "-45.99"),
        ("TFL TRAVEL", "-12.50"),
        ("'=ACME STUDIOS", "1200.00"),
    ]
