"""Reconciliation through the pages: accept, split, part payments, reject, undo, expenses."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import Flask


def invoice(app: Flask, invoice_id: Any) -> Any:
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    with app.app_context():
        inv = db.session.get(Invoice, invoice_id)
        return (inv.status, inv.paid_pence, len(inv.payments))


def txn_state(app: Flask, txn_id: Any) -> Any:
    from minimin.banking.models import BankTransaction
    from minimin.extensions import db

    with app.app_context():
        txn = db.session.get(BankTransaction, txn_id)
        return (txn.reconciliation, txn.reconciled_pence)


def keys(html: str, action: str = "accept") -> list[str]:
    return re.findall(
        rf'/{action}">\s*<input[^>]*>\s*<input type="hidden" name="key" value="([^"]+)"', html
    )


def test_accepting_a_suggestion_pays_the_invoice(
    app: Flask, signed_in: Any, make_invoice: Any, make_txn: Any
) -> None:
    inv = make_invoice(120_000, number="INV-0042")
    txn = make_txn(120_000, counterparty="ACME STUDIOS", reference="INV-0042")
    page = signed_in.get(f"/banking/transactions/{txn}")
    assert "the reference contains the invoice number INV-0042" in page.text
    key = keys(page.text)[0]
    response = signed_in.submit(f"/banking/transactions/{txn}/accept", {"key": key})
    assert response.status_code == 302
    assert invoice(app, inv) == ("paid", 120_000, 1)
    assert txn_state(app, txn) == ("reconciled", 120_000)
    # no longer in the unreconciled view
    assert "ACME STUDIOS" not in signed_in.get("/banking/unreconciled").text


def test_split_deposit_settles_two_invoices_and_part_payments(
    app: Flask, signed_in: Any, make_invoice: Any, make_txn: Any
) -> None:
    a = make_invoice(30_000, issued=date(2025, 2, 1))
    b = make_invoice(20_000)
    c = make_invoice(100_000)
    deposit = make_txn(50_000, counterparty="Acme Studios")
    page = signed_in.get(f"/banking/transactions/{deposit}")
    assert "the amount settles INV-0001, INV-0002 together" in page.text
    response = signed_in.submit(
        f"/banking/transactions/{deposit}/split",
        {f"amount-invoice-{a}": "300.00", f"amount-invoice-{b}": "£200"},
    )
    assert response.status_code == 302
    assert invoice(app, a)[0] == invoice(app, b)[0] == "paid"
    assert txn_state(app, deposit) == ("reconciled", 50_000)
    first, second = make_txn(40_000), make_txn(60_000, day=date(2025, 3, 25))
    signed_in.submit(f"/banking/transactions/{first}/split", {f"amount-invoice-{c}": "400"})
    assert invoice(app, c) == ("part_paid", 40_000, 1)
    signed_in.submit(f"/banking/transactions/{second}/split", {f"amount-invoice-{c}": "600.00"})
    assert invoice(app, c) == ("paid", 100_000, 2)


def test_a_refused_split_changes_nothing(
    app: Flask, signed_in: Any, make_invoice: Any, make_txn: Any
) -> None:
    a, b = make_invoice(30_000), make_invoice(20_000)
    deposit = make_txn(40_000)
    response = signed_in.submit(
        f"/banking/transactions/{deposit}/split",
        {f"amount-invoice-{a}": "300", f"amount-invoice-{b}": "200"},
    )
    assert response.status_code == 302
    page = signed_in.get(response.headers["Location"])
    assert "add up to more than" in page.text
    assert invoice(app, a) == ("issued", 0, 0)
    assert txn_state(app, deposit) == ("unreconciled", 0)
    for bad in ("NaN", "1e309", "12.345", "-5"):
        signed_in.submit(f"/banking/transactions/{deposit}/split", {f"amount-invoice-{a}": bad})
        assert invoice(app, a) == ("issued", 0, 0)


def test_reject_hides_and_undo_reopens(
    app: Flask, signed_in: Any, make_invoice: Any, make_txn: Any
) -> None:
    inv = make_invoice(5_000)
    txn = make_txn(5_000, counterparty="Acme")
    page = signed_in.get(f"/banking/transactions/{txn}")
    key = keys(page.text)[0]
    signed_in.submit(f"/banking/transactions/{txn}/reject", {"key": key})
    assert keys(signed_in.get(f"/banking/transactions/{txn}").text) == []
    other = make_txn(5_000, counterparty="Acme")
    key = keys(signed_in.get(f"/banking/transactions/{other}").text)[0]
    signed_in.submit(f"/banking/transactions/{other}/accept", {"key": key})
    assert invoice(app, inv)[0] == "paid"
    from minimin.banking.models import BankMatch
    from minimin.extensions import db

    with app.app_context():
        match_id = db.session.scalar(sa.select(BankMatch.id))
    signed_in.submit(f"/banking/transactions/{other}/matches/{match_id}/undo", {})
    assert invoice(app, inv) == ("issued", 0, 0)
    assert txn_state(app, other) == ("unreconciled", 0)


def test_expense_from_a_transaction_once(
    app: Flask, signed_in: Any, owner: Any, make_txn: Any
) -> None:
    from minimin.expenses.models import Expense
    from minimin.extensions import db

    txn = make_txn(-2_500, counterparty="SPOTLIGHT", description="SPOTLIGHT LISTING")
    response = signed_in.submit(f"/banking/transactions/{txn}/expense", {"category": "advertising"})
    assert response.status_code == 302
    signed_in.submit(f"/banking/transactions/{txn}/expense", {"category": "advertising"})
    with app.app_context():
        expenses = db.session.scalars(sa.select(Expense).where(Expense.user_id == owner.id)).all()
        assert len(expenses) == 1
        assert (expenses[0].source, expenses[0].external_ref) == ("bank", str(txn))
        assert expenses[0].amount_pence == 2_500
        assert expenses[0].category == "advertising"
    assert txn_state(app, txn) == ("reconciled", 2_500)


def test_outgoing_matches_an_existing_expense(
    app: Flask, signed_in: Any, owner: Any, make_txn: Any
) -> None:
    from minimin.expenses import services as expense_services
    from minimin.extensions import db

    with app.app_context():
        expense_services.create_expense(
            owner.id,
            expense_services.ExpenseInput(
                date=date(2025, 3, 19),
                amount_pence=1_450,
                supplier="Equity",
                category="other",
            ),
        )
        db.session.commit()
    txn = make_txn(-1_450, counterparty="EQUITY")
    key = keys(signed_in.get(f"/banking/transactions/{txn}").text)[0]
    assert key.startswith("expense:")
    signed_in.submit(f"/banking/transactions/{txn}/accept", {"key": key})
    assert txn_state(app, txn) == ("reconciled", 1_450)


def test_ignore_and_unreconciled_totals(signed_in: Any, make_txn: Any) -> None:
    make_txn(10_000, counterparty="Payer One")
    make_txn(-2_000, counterparty="Shop")
    transfer = make_txn(-50_000, counterparty="Savings")
    page = signed_in.get("/banking/unreconciled")
    assert "3 transactions to reconcile" in page.text
    assert "in £100.00" in page.text and "out £520.00" in page.text
    signed_in.submit(f"/banking/transactions/{transfer}/ignore", {})
    page = signed_in.get("/banking/unreconciled")
    assert "2 transactions to reconcile" in page.text
    assert "out £20.00" in page.text
    assert "in £100.00" in signed_in.get("/banking/unreconciled?direction=in").text


def test_rules_apply_on_import_and_choices_are_learned(
    app: Flask, signed_in: Any, account: Any, import_csv: Any, rows: Any
) -> None:
    response = signed_in.submit(
        "/banking/rules",
        {
            "match_kind": "contains",
            "pattern": "spotlight",
            "direction": "out",
            "category": "advertising",
            "min_amount": "",
            "max_amount": "",
            "client_id": "",
            "agency_id": "",
        },
    )
    assert response.status_code == 302, response.text
    data = (
        b"Date,Description,Amount\n01/02/2025,SPOTLIGHT 2025,-150.00\n"
        b"02/02/2025,PRET A MANGER 123,-3.50\n"
    )
    import_csv(signed_in, account, data)
    spot, pret = sorted(rows(), key=lambda r: r.posted_on)
    assert (spot.category, spot.category_source) == ("advertising", "rule")
    assert pret.category is None
    signed_in.submit(f"/banking/transactions/{pret.id}/category", {"category": "other"})
    import_csv(signed_in, account, b"Date,Description,Amount\n03/03/2025,PRET A MANGER 456,-4.10\n")
    newest = max(rows(), key=lambda r: r.posted_on)
    page = signed_in.get(f"/banking/transactions/{newest.id}")
    assert "Suggested from your earlier choices: Other business expenses" in page.text


def test_bad_rules_are_refused(signed_in: Any) -> None:
    base = {
        "direction": "any",
        "category": "travel",
        "min_amount": "",
        "max_amount": "",
        "client_id": "",
        "agency_id": "",
    }
    for kind, pattern, message in (
        ("regex", "(unclosed", "not a valid regular expression"),
        ("regex", "(a|aa)+$", "too slow"),
        ("contains", "", "Enter the text"),
        ("any", "", "needs an amount range"),
        ("contains", "a\x00b", "null character"),
    ):
        response = signed_in.submit(
            "/banking/rules", {**base, "match_kind": kind, "pattern": pattern}
        )
        assert response.status_code == 400, pattern
        assert message in response.text
    response = signed_in.submit(
        "/banking/rules", {**base, "match_kind": "any", "min_amount": "NaN", "pattern": ""}
    )
    assert response.status_code == 400


def test_agency_deposit_matches_the_expected_net(
    app: Flask, signed_in: Any, owner: Any, make_txn: Any
) -> None:
    from minimin.banking.models import BankMatch
    from minimin.extensions import db
    from minimin.jobs.models import Job

    with app.app_context():
        job = Job(
            user_id=owner.id,
            title="Catalogue shoot",
            agency_id=owner.agency_id,
            status="completed",
            starts_on=date(2025, 3, 1),
            ends_on=date(2025, 3, 1),
            gross_pence=100_000,
            commission_pence=15_000,
            vat_on_commission_pence=3_000,
            net_pence=82_000,
        )
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    txn = make_txn(82_000, counterparty="TOP MODELS AGENCY")
    page = signed_in.get(f"/banking/transactions/{txn}")
    assert "the amount is the expected net from the agency" in page.text
    key = keys(page.text)[0]
    assert key.startswith(f"job:{job_id}:")
    signed_in.submit(f"/banking/transactions/{txn}/accept", {"key": key})
    assert txn_state(app, txn) == ("reconciled", 82_000)
    with app.app_context():
        assert db.session.scalar(sa.select(BankMatch.target_id)) == job_id
    # once matched, the job is no longer expected
    again = make_txn(82_000, counterparty="TOP MODELS AGENCY")
    assert keys(signed_in.get(f"/banking/transactions/{again}").text) == []
