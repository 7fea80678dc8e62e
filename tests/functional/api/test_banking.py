"""Banking through the API: a statement imported (a known bank layout goes straight in; an
unknown one waits for its columns on the page), a deposit matched to an invoice."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask

STARLING = (
    b"Date,Counter Party,Reference,Type,Amount (GBP),Balance (GBP)\n"
    b"13/05/2025,ACME STUDIOS,INV-0001,FASTER PAYMENT,450.00,450.00\n"
    b"14/05/2025,CAMERA SHOP,LENS,CARD,-20.00,430.00\n"
)


def _account(app: Flask, user: Any) -> str:
    from minimin.banking.services import BankAccountInput, create_account
    from minimin.extensions import db

    with app.app_context():
        account = create_account(
            user.id, BankAccountInput(name="Business current", last_four="1234")
        )
        db.session.commit()
        return str(account.id)


def _upload(api: Any, account_id: str, data: bytes, name: str = "statement.csv") -> Any:
    return api.post(
        f"/api/v1/bank-accounts/{account_id}/imports",
        data={"statement": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_statement_imported_then_a_deposit_matched_to_an_invoice(app: Flask, api: Any) -> None:
    account_id = _account(app, api.user)
    response = _upload(api, account_id, STARLING)
    assert response.status_code == 202, response.get_json()
    job = response.get_json()
    status = api.get(f"/api/v1/imports/{job['id']}").get_json()
    assert status["status"] == "done", status
    assert status["added"] == 2
    again = _upload(api, account_id, STARLING).get_json()
    assert api.get(f"/api/v1/imports/{again['id']}").get_json()["duplicates"] == 2

    lines = api.get(f"/api/v1/transactions?bank_account_id={account_id}").get_json()["data"]
    deposit = next(t for t in lines if t["amount"]["amount"] == "450.00")
    assert deposit["reconciliation"] == "unreconciled"

    client = api.post("/api/v1/clients", json={"name": "Acme Studios Ltd"}).get_json()
    line = {
        "description": "Shoot",
        "unit_price": {"amount": "450.00", "currency": "GBP"},
        "vat_treatment": "outside_scope",
    }
    invoice = api.post(
        "/api/v1/invoices",
        json={"client_id": client["id"], "lines": [line], "issue_date": "2025-04-20"},
    ).get_json()
    assert api.post(f"/api/v1/invoices/{invoice['id']}/issue").status_code == 200

    too_much = api.post(
        f"/api/v1/transactions/{deposit['id']}/matches",
        json={
            "allocations": [
                {
                    "kind": "invoice",
                    "target_id": invoice["id"],
                    "amount": {"amount": "450.01", "currency": "GBP"},
                }
            ]
        },
    )
    assert too_much.status_code == 422
    matched = api.post(
        f"/api/v1/transactions/{deposit['id']}/matches",
        json={
            "allocations": [
                {
                    "kind": "invoice",
                    "target_id": invoice["id"],
                    "amount": {"amount": "450.00", "currency": "GBP"},
                }
            ]
        },
    )
    assert matched.status_code == 201, matched.get_json()
    body = matched.get_json()
    assert body["transaction"]["reconciliation"] == "reconciled"
    assert body["matches"][0]["payment_id"]
    assert api.get(f"/api/v1/invoices/{invoice['id']}").get_json()["status"] == "paid"


def test_an_unknown_layout_waits_and_a_bad_file_is_refused(app: Flask, api: Any) -> None:
    account_id = _account(app, api.user)
    pending = _upload(api, account_id, b"When,What,How much\n01/02/2025,COFFEE,-3.50\n")
    assert pending.status_code == 202
    assert pending.get_json()["status"] == "pending"
    refused = _upload(api, account_id, b"\x00\x01 not a statement")
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "statement"


def test_another_users_invoice_cannot_be_matched(app: Flask, api_for: Any) -> None:
    owner, other = api_for(), api_for()
    client = owner.post("/api/v1/clients", json={"name": "Acme"}).get_json()
    line = {
        "description": "Shoot",
        "unit_price": {"amount": "10.00", "currency": "GBP"},
        "vat_treatment": "outside_scope",
    }
    invoice = owner.post("/api/v1/invoices", json={"client_id": client["id"], "lines": [line]})
    account_id = _account(app, other.user)
    _upload(other, account_id, STARLING)
    deposit = other.get("/api/v1/transactions").get_json()["data"][-1]
    refused = other.post(
        f"/api/v1/transactions/{deposit['id']}/matches",
        json={
            "allocations": [
                {
                    "kind": "invoice",
                    "target_id": invoice.get_json()["id"],
                    "amount": {"amount": "10.00", "currency": "GBP"},
                }
            ]
        },
    )
    assert refused.status_code == 422
    assert "not found" in refused.get_json()["detail"]
