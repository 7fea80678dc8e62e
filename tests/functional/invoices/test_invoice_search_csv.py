"""The invoice list: search by number or customer (any case), sorting by column headers with
aria-sort, and the CSV download of the same selection (formula-safe)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any


def _numbers(page: str) -> list[str]:
    return re.findall(r'<a href="/invoices/[0-9a-f-]{36}">(INV-\d+)</a>', page)


def _seed(app: Any, user: Any) -> None:
    from minimin.extensions import db
    from tests.unit.reports.conftest import Books

    with app.app_context():
        books = Books(db, user.id)
        books.invoice(date(2026, 5, 1), 30000, customer_name="Acme Studios Ltd")
        second = books.invoice(date(2026, 6, 1), 10000, 2000, customer_name="Zenith Films")
        books.invoice(date(2026, 7, 1), 50000, customer_name="=HYPERLINK(1)")
        books.pay(second, date(2026, 6, 5), 12000)
        db.session.commit()


def test_search_sort_and_csv(client: Any, app: Any, make_user: Any, login: Any) -> None:
    user = make_user()
    login(client, user)
    _seed(app, user)
    other = make_user()
    _seed(app, other)

    page = client.get("/invoices").get_data(as_text=True)
    assert _numbers(page) == ["INV-00003", "INV-00002", "INV-00001"]
    assert 'aria-sort="descending"' in page

    page = client.get("/invoices?q=zenith").get_data(as_text=True)
    assert _numbers(page) == ["INV-00002"] and "1 invoice" in page
    assert _numbers(client.get("/invoices?q=inv-00001").get_data(as_text=True)) == ["INV-00001"]
    assert "No invoices match" in client.get("/invoices?q=nobody").get_data(as_text=True)

    page = client.get("/invoices?sort=total&dir=asc").get_data(as_text=True)
    assert _numbers(page) == ["INV-00002", "INV-00001", "INV-00003"]
    assert 'href="/invoices?sort=total&amp;dir=desc"' in page
    page = client.get("/invoices?sort=customer&dir=asc").get_data(as_text=True)
    assert _numbers(page) == ["INV-00003", "INV-00001", "INV-00002"]
    # An unknown key is the list's own order, not an error.
    assert client.get("/invoices?sort=user_id&dir=up").status_code == 200

    response = client.get("/invoices.csv?sort=total&dir=desc&status=issued")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "Number" and rows[0][-1] == "Outstanding"
    assert [(r[0], r[1], r[-2], r[-1]) for r in rows[1:]] == [
        ("INV-00003", "'=HYPERLINK(1)", "500.00", "500.00"),
        ("INV-00001", "Acme Studios Ltd", "300.00", "300.00"),
        ("INV-00002", "Zenith Films", "120.00", "0.00"),
    ]


def test_credit_note_list_search_sort_and_csv(
    client: Any, app: Any, make_user: Any, login: Any
) -> None:
    from minimin.extensions import db
    from tests.unit.reports.conftest import Books

    user = make_user()
    login(client, user)
    assert "No credit notes yet" in client.get("/invoices/credit-notes").get_data(as_text=True)
    with app.app_context():
        books = Books(db, user.id)
        acme = books.invoice(date(2026, 5, 1), 30000, customer_name="Acme Studios Ltd")
        zenith = books.invoice(date(2026, 6, 1), 50000, customer_name="=Zenith")
        books.credit(acme, date(2026, 5, 10), 5000)
        books.credit(zenith, date(2026, 6, 10), 20000)
        db.session.commit()

    page = client.get("/invoices/credit-notes").get_data(as_text=True)
    assert re.findall(r">(CN-\d+)</a>", page) == ["CN-00004", "CN-00003"]
    assert "2 credit notes" in page and 'aria-sort="descending"' in page
    page = client.get("/invoices/credit-notes?q=acme").get_data(as_text=True)
    assert re.findall(r">(CN-\d+)</a>", page) == ["CN-00003"]
    page = client.get("/invoices/credit-notes?sort=total&dir=asc").get_data(as_text=True)
    assert re.findall(r">(CN-\d+)</a>", page) == ["CN-00003", "CN-00004"]

    response = client.get("/invoices/credit-notes.csv?sort=date&dir=asc")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert [(r[0], r[2], r[3], r[-1]) for r in rows[1:]] == [
        ("CN-00003", "INV-00001", "Acme Studios Ltd", "50.00"),
        ("CN-00004", "INV-00002", "'=Zenith", "200.00"),
    ]
    assert "Credit notes" in client.get("/invoices").get_data(as_text=True)
