"""A client's and an agency's page show what they owe, from the journal's debtor account (the
same figure as the ledger), its age, the statement, their jobs, invoices and payments, and a
statement PDF."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from minimin.contacts import statement


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_ageing_pays_the_oldest_charges_first() -> None:
    today = date(2026, 12, 1)
    kw: dict[str, Any] = {"source_id": None, "job_id": None, "currency": "GBP", "description": ""}
    items = [
        statement.Item(day=today - timedelta(days=100), kind="invoice", amount_pence=30000, **kw),
        statement.Item(day=today - timedelta(days=45), kind="invoice", amount_pence=20000, **kw),
        statement.Item(day=today - timedelta(days=5), kind="invoice", amount_pence=10000, **kw),
        statement.Item(day=today - timedelta(days=2), kind="payment", amount_pence=-35000, **kw),
    ]
    account = statement.build(items, today)
    assert account.balances == {"GBP": 25000}
    assert account.running == [30000, 50000, 60000, 25000]
    # The £350 paid the £300 charged 100 days ago and £50 of the one 45 days ago.
    assert account.ageing == {"GBP": {"current": 10000, "31_60": 15000, "61_90": 0, "90_plus": 0}}
    overpaid = statement.build(
        [*items, statement.Item(day=today, kind="payment", amount_pence=-30000, **kw)], today
    )
    assert overpaid.balances == {"GBP": -5000} and overpaid.ageing == {}


def test_client_page_balance_from_the_ledger_and_statement_pdf(
    app: Any, client: Any, make_user: Any, login: Any
) -> None:
    from minimin.extensions import db
    from minimin.ledger import accounts, queries
    from tests.unit.reports.conftest import Books

    user = make_user()
    login(client, user)
    with app.app_context():
        books = Books(db, user.id)
        first = books.invoice(date(2026, 5, 1), 50000, 10000)
        books.invoice(date(2026, 6, 1), 20000)
        books.pay(first, date(2026, 5, 20), 40000)
        client_id, agency_id = books.client.id, books.agency.id
        db.session.commit()
        ledger_balance = queries.total(
            db.session, user.id, codes=[accounts.debtor(client_id=client_id)]
        )
        db.session.commit()
    assert ledger_balance == 40000

    page = client.get(f"/clients/{client_id}")
    assert page.status_code == 200
    text = _text(page.get_data(as_text=True))
    assert "Owes you £400.00" in text
    assert "How old the debt is" in text
    assert "INV-00001" in text and "INV-00002" in text
    assert "£400.00 · INV-00001" in text  # the payment, against its invoice
    assert "Statement: every amount on the account" in text

    pdf = client.get(f"/clients/{client_id}/statement.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")

    agency_page = _text(client.get(f"/agencies/{agency_id}").get_data(as_text=True))
    assert "Nothing is owed" in agency_page and "No remittances yet." in agency_page
    assert client.get(f"/agencies/{agency_id}/statement.pdf").status_code == 200

    # Another user's contact is not found, page or statement.
    other = make_user()
    client.post("/logout", data={"csrf_token": client.csrf_token("/clients")})
    login(client, other)
    assert client.get(f"/clients/{client_id}").status_code == 404
    assert client.get(f"/clients/{client_id}/statement.pdf").status_code == 404
