"""Tenancy on every invoice route, and a constant number of SQL queries on the list."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from tests.functional.invoices.conftest import draft_data, invoice_id_from

CANARY = "Canary-Zebra-7731"


def _owner_objects(client: Any, user: Any, app: Any) -> dict[str, str]:
    r = client.submit(
        "/invoices/new", draft_data(user.client_id, [(CANARY, "2", "100", "standard")])
    )
    invoice_id = invoice_id_from(r)
    client.submit(f"/invoices/{invoice_id}/issue", form_page=f"/invoices/{invoice_id}")
    client.submit(
        f"/invoices/{invoice_id}/payments",
        {"amount": "200", "paid_on": "2025-01-01", "method": "cash"},
        form_page=f"/invoices/{invoice_id}",
    )
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    with app.app_context():
        invoice = db.session.get(Invoice, uuid.UUID(invoice_id))
        line_id = str(invoice.lines[0].id)
        payment_id = str(invoice.payments[0].id)
    # Paid £200 of £240, then £120 credited: £80 is due back, £10 of it refunded.
    client.submit(f"/invoices/{invoice_id}/credit-notes/new", {f"qty-{line_id}": "1"})
    client.submit(
        f"/invoices/{invoice_id}/refunds",
        {"amount": "10", "refunded_on": date.today().isoformat(), "method": "bank_transfer"},
        form_page=f"/invoices/{invoice_id}",
    )
    with app.app_context():
        invoice = db.session.get(Invoice, uuid.UUID(invoice_id))
        note_id = str(invoice.credit_notes[0].id)
        refund_id = str(invoice.refunds[0].id)
        from minimin.invoices.reminders import rules_for

        rule_id = str(rules_for(user.id)[0].id)
        db.session.commit()
    return {
        "invoice_id": invoice_id,
        "payment_id": payment_id,
        "note_id": note_id,
        "refund_id": refund_id,
        "rule_id": rule_id,
    }


def test_other_user_gets_404_on_every_invoice_route(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    owner = business()
    login(client, owner)
    ids = _owner_objects(client, owner, app)
    intruder_client = app.test_client()
    intruder = business()
    login(intruder_client, intruder)
    token = intruder_client.csrf_token("/invoices")
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("invoices.") or not rule.arguments:
            continue
        if rule.arguments & {"token"}:
            continue
        values = {name: ids[name] for name in rule.arguments}
        with app.test_request_context():
            from flask import url_for

            path = url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token} if method == "POST" else None
            response = intruder_client.open(path, method=method, data=data)
            assert response.status_code == 404, (rule.endpoint, method, response.status_code)
            assert CANARY not in response.get_data(as_text=True)
            checked += 1
    assert checked >= 15
    # The owner's data is untouched.
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    with app.app_context():
        invoice = db.session.get(Invoice, uuid.UUID(ids["invoice_id"]))
        assert invoice.paid_pence == 20000 and invoice.status == "paid"
        assert invoice.refunded_pence == 1000 and len(invoice.refunds) == 1
    assert CANARY not in intruder_client.get("/invoices").get_data(as_text=True)


def _count_queries(app: Any, client: Any, path: str) -> int:
    from minimin.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
        assert response.status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def _bulk_invoices(app: Any, user: Any, n: int) -> None:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice, InvoiceLine

    with app.app_context():
        for i in range(n):
            invoice = Invoice(
                user_id=user.id,
                status="issued",
                number=f"B-{i:05d}",
                sequence=i + 1,
                client_id=user.client_id,
                customer_name="Acme Studios Ltd",
                total_pence=12000,
                net_pence=10000,
                vat_pence=2000,
                currency="GBP",
            )
            invoice.lines.append(
                InvoiceLine(
                    user_id=user.id,
                    description="Day",
                    quantity=Decimal(1),
                    unit_price_pence=10000,
                    vat_treatment="standard",
                    net_pence=10000,
                    vat_pence=2000,
                )
            )
            db.session.add(invoice)
        db.session.commit()


def test_list_query_count_does_not_grow(client: Any, business: Any, login: Any, app: Any) -> None:
    small = business()
    _bulk_invoices(app, small, 10)
    login(client, small)
    client.get("/invoices")
    few = _count_queries(app, client, "/invoices")

    big_client = app.test_client()
    big = business()
    _bulk_invoices(app, big, 1000)
    login(big_client, big)
    big_client.get("/invoices")
    many = _count_queries(app, big_client, "/invoices")
    assert few == many, (few, many)
    assert "B-00999" in big_client.get("/invoices").get_data(as_text=True)
    assert "Page 1 of 20" in big_client.get("/invoices").get_data(as_text=True)
    with app.app_context():
        from minimin.extensions import db
        from minimin.invoices.models import Invoice

        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 1010
