"""The banking pages' actions through the API: bank accounts added, renamed and deleted; an
unknown statement layout given its columns; lines categorised, given a client, ignored, made
into an expense, matched and unmatched; rules added, changed, moved, applied and deleted. A
refusal changes nothing, another user's ids are 404, and after every step the journal still
proves the books whole (``minimin.ledger.check``)."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

from flask import Flask

from tests.functional.api.test_banking import STARLING

UNKNOWN_LAYOUT = b"When,What,How much\n01/02/2025,COFFEE,-3.50\n02/02/2025,TRAIN,-12.00\n"


def _books_whole(app: Flask, user_id: uuid.UUID) -> None:
    from minimin.extensions import db
    from minimin.ledger.check import check

    with app.app_context():
        report = check(db.session, [user_id])
        assert report.ok, "\n".join(report.problems)


def _new_account(api: Any, **fields: Any) -> dict[str, Any]:
    response = api.post("/api/v1/bank-accounts", json={"name": "Business current", **fields})
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def _upload(api: Any, account_id: str, data: bytes) -> dict[str, Any]:
    response = api.post(
        f"/api/v1/bank-accounts/{account_id}/imports",
        data={"statement": (io.BytesIO(data), "statement.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 202, response.get_json()
    return dict(response.get_json())


def _lines(api: Any, account_id: str) -> dict[str, dict[str, Any]]:
    """The account's lines by counterparty (or description)."""
    found = api.get(f"/api/v1/transactions?bank_account_id={account_id}").get_json()["data"]
    return {t["counterparty"] or t["description"]: t for t in found}


def _issued_invoice(api: Any, pounds: str, issued_on: str = "2025-04-20") -> dict[str, Any]:
    client = api.post("/api/v1/clients", json={"name": "Acme Studios Ltd"}).get_json()
    line = {
        "description": "Shoot",
        "unit_price": {"amount": pounds, "currency": "GBP"},
        "vat_treatment": "outside_scope",
    }
    invoice = api.post(
        "/api/v1/invoices",
        json={"client_id": client["id"], "lines": [line], "issue_date": issued_on},
    ).get_json()
    assert api.post(f"/api/v1/invoices/{invoice['id']}/issue").status_code == 200
    return dict(invoice, client_id=client["id"])


def _match(api: Any, txn_id: str, invoice_id: str, pounds: str) -> Any:
    allocation = {
        "kind": "invoice",
        "target_id": invoice_id,
        "amount": {"amount": pounds, "currency": "GBP"},
    }
    return api.post(f"/api/v1/transactions/{txn_id}/matches", json={"allocations": [allocation]})


def _file_vat_return(app: Flask, user_id: uuid.UUID, through: dt.date) -> None:
    from minimin.core.db import utcnow
    from minimin.extensions import db
    from minimin.reports.tax_models import VATReturn

    with app.app_context():
        db.session.add(
            VATReturn(
                user_id=user_id,
                period_start=through.replace(day=1),
                period_end=through,
                scheme="standard",
                filed_at=utcnow(),
            )
        )
        db.session.commit()


def _refused(response: Any, field: str) -> str:
    assert response.status_code == 422, response.get_json()
    assert response.headers["Content-Type"] == "application/problem+json"
    errors = response.get_json()["errors"]
    assert errors[0]["field"] == field, errors
    return str(errors[0]["detail"])


# --------------------------------------------------------------------------- accounts


def test_an_account_is_added_renamed_and_deleted(api: Any) -> None:
    refused = api.post("/api/v1/bank-accounts", json={"name": "Savings", "last_four": "12a4"})
    assert "last four digits" in _refused(refused, "last_four")
    assert api.get("/api/v1/bank-accounts").get_json()["data"] == []

    account = _new_account(api, last_four="1234", currency="EUR")
    assert (account["name"], account["last_four"], account["currency"]) == (
        "Business current",
        "1234",
        "EUR",
    )
    url = f"/api/v1/bank-accounts/{account['id']}"
    renamed = api.open(url, "PATCH", json={"name": "  Euro account "})
    assert renamed.status_code == 200, renamed.get_json()
    assert (renamed.get_json()["name"], renamed.get_json()["last_four"]) == ("Euro account", "1234")
    # The currency is chosen once: the body has no such member.
    assert api.open(url, "PATCH", json={"currency": "GBP"}).status_code == 422
    cleared = api.open(url, "PATCH", json={"last_four": None}).get_json()
    assert (cleared["last_four"], cleared["currency"]) == (None, "EUR")

    deleted = api.open(url, "DELETE")
    assert deleted.status_code == 200
    assert deleted.get_json() == {"id": account["id"], "deleted": True}
    assert api.get(url).status_code == 404


# --------------------------------------------------------------------------- statements


def test_an_unknown_layout_is_given_its_columns_and_imported(app: Flask, api: Any) -> None:
    account = _new_account(api)
    job = _upload(api, account["id"], UNKNOWN_LAYOUT)
    assert job["status"] == "pending"
    url = f"/api/v1/imports/{job['id']}/columns"

    # 01/02/2025 reads both ways: each such row asks for the date order.
    undecided = api.post(url, json={"date": 0, "description": 1, "amount": 2})
    assert "choose the date order" in _refused(undecided, "columns")
    assert "'dmy'" in _refused(api.post(url, json={"date": 0, "date_order": "dym"}), "date_order")
    # The description column as the amount: each row is named, nothing starts.
    wrong = api.post(url, json={"date": 0, "amount": 1, "date_order": "dmy"})
    assert wrong.status_code == 422
    assert {e["field"] for e in wrong.get_json()["errors"]} == {"columns"}
    assert "Row" in wrong.get_json()["errors"][0]["detail"]
    assert api.get(f"/api/v1/imports/{job['id']}").get_json()["status"] == "pending"

    chosen = api.post(url, json={"date": 0, "description": 1, "amount": 2, "date_order": "dmy"})
    assert chosen.status_code == 202, chosen.get_json()
    done = api.get(f"/api/v1/imports/{job['id']}").get_json()
    assert (done["status"], done["added"]) == ("done", 2)
    lines = _lines(api, account["id"])
    assert lines["COFFEE"]["posted_on"] == "2025-02-01"
    assert lines["COFFEE"]["amount"]["amount"] == "-3.50"
    assert api.post(url, json={"date": 0, "amount": 2}).status_code == 409
    # Remembered for the account: the same layout again goes straight in.
    again = _upload(api, account["id"], UNKNOWN_LAYOUT)
    assert api.get(f"/api/v1/imports/{again['id']}").get_json()["duplicates"] == 2
    _books_whole(app, api.user.id)


# --------------------------------------------------------------------------- transactions


def test_lines_categorised_matched_unmatched_and_made_expenses_keep_the_books_whole(
    app: Flask, api: Any, api_for: Any
) -> None:
    account = _new_account(api)
    _upload(api, account["id"], STARLING)
    lines = _lines(api, account["id"])
    deposit, card = lines["ACME STUDIOS"], lines["CAMERA SHOP"]
    card_url = f"/api/v1/transactions/{card['id']}"

    categorised = api.open(card_url, "PATCH", json={"category": "office"})
    assert categorised.status_code == 200, categorised.get_json()
    assert categorised.get_json()["category"] == "office"
    _books_whole(app, api.user.id)
    # An unknown category, another user's client: refused, nothing changes.
    _refused(api.open(card_url, "PATCH", json={"category": "bribes"}), "category")
    theirs = api_for().post("/api/v1/clients", json={"name": "Not yours"}).get_json()
    refused = api.open(card_url, "PATCH", json={"category": "travel", "client_id": theirs["id"]})
    _refused(refused, "client_id")
    assert api.get(card_url).get_json()["category"] == "office"

    invoice = _issued_invoice(api, "450.00")
    with_client = api.open(card_url, "PATCH", json={"client_id": invoice["client_id"]}).get_json()
    assert (with_client["client_id"], with_client["category"]) == (invoice["client_id"], "office")
    ignored = api.open(card_url, "PATCH", json={"ignored": True}).get_json()
    assert ignored["reconciliation"] == "ignored"
    included = api.open(card_url, "PATCH", json={"ignored": False}).get_json()
    assert included["reconciliation"] == "unreconciled"

    made = api.post(f"{card_url}/expense", json={"category": "travel"})
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["transaction"]["reconciliation"] == "reconciled"
    expense = api.get(f"/api/v1/expenses/{made.get_json()['expense_id']}").get_json()
    assert expense["category"] == "travel"
    # Matched: it cannot be ignored, nor made into a second expense.
    _refused(api.open(card_url, "PATCH", json={"ignored": True}), "")
    assert api.post(f"{card_url}/expense", json={}).status_code == 422
    _books_whole(app, api.user.id)

    matched = _match(api, deposit["id"], invoice["id"], "450.00")
    assert matched.status_code == 201, matched.get_json()
    match_id = matched.get_json()["matches"][0]["id"]
    assert api.get(f"/api/v1/invoices/{invoice['id']}").get_json()["status"] == "paid"
    _books_whole(app, api.user.id)

    undone = api.open(f"/api/v1/transactions/{deposit['id']}/matches/{match_id}", "DELETE")
    assert undone.status_code == 200, undone.get_json()
    assert undone.get_json()["reconciliation"] == "unreconciled"
    assert api.get(f"/api/v1/invoices/{invoice['id']}").get_json()["status"] != "paid"
    assert api.open(
        f"/api/v1/transactions/{deposit['id']}/matches/{match_id}", "DELETE"
    ).status_code == (404)
    _books_whole(app, api.user.id)

    dismissed = api.post(
        f"/api/v1/transactions/{deposit['id']}/dismissed-suggestions",
        json={"targets": [{"kind": "invoice", "target_id": invoice["id"]}]},
    )
    assert dismissed.status_code == 201, dismissed.get_json()
    with app.app_context():
        from minimin.banking import services

        assert services.rejected_for(api.user.id) == {
            (uuid.UUID(deposit["id"]), "invoice", uuid.UUID(invoice["id"]))
        }


def test_a_filed_vat_period_refuses_a_category_and_an_undo(app: Flask, api: Any) -> None:
    account = _new_account(api)
    _upload(api, account["id"], STARLING)
    lines = _lines(api, account["id"])
    deposit, card = lines["ACME STUDIOS"], lines["CAMERA SHOP"]
    invoice = _issued_invoice(api, "450.00")
    match_id = _match(api, deposit["id"], invoice["id"], "450.00").get_json()["matches"][0]["id"]
    _file_vat_return(app, api.user.id, dt.date(2025, 5, 31))

    card_url = f"/api/v1/transactions/{card['id']}"
    detail = _refused(api.open(card_url, "PATCH", json={"category": "office"}), "category")
    assert "closed up to 31/05/2025" in detail
    assert api.get(card_url).get_json()["category"] is None
    undo = api.open(f"/api/v1/transactions/{deposit['id']}/matches/{match_id}", "DELETE")
    assert undo.status_code == 422
    assert api.get(f"/api/v1/transactions/{deposit['id']}").get_json()["reconciliation"] == (
        "reconciled"
    )
    assert api.get(f"/api/v1/invoices/{invoice['id']}").get_json()["status"] == "paid"
    # Deleting the account is refused while its lines are matched.
    deleted = api.open(f"/api/v1/bank-accounts/{account['id']}", "DELETE")
    assert deleted.status_code == 409
    assert len(_lines(api, account["id"])) == 2
    _books_whole(app, api.user.id)


def test_another_users_ids_are_404_and_change_nothing(app: Flask, api_for: Any) -> None:
    owner, other = api_for(), api_for()
    account = _new_account(owner)
    _upload(owner, account["id"], STARLING)
    pending = _upload(owner, account["id"], UNKNOWN_LAYOUT)
    deposit = _lines(owner, account["id"])["ACME STUDIOS"]
    invoice = _issued_invoice(owner, "450.00")
    match_id = _match(owner, deposit["id"], invoice["id"], "450.00").get_json()["matches"][0]["id"]
    rule = owner.post("/api/v1/bank-rules", json={"pattern": "ACME", "category": "income"})
    rule_id = rule.get_json()["id"]
    txn_url = f"/api/v1/transactions/{deposit['id']}"
    attempts = [
        ("PATCH", f"/api/v1/bank-accounts/{account['id']}", {"name": "Mine now"}),
        ("DELETE", f"/api/v1/bank-accounts/{account['id']}", None),
        ("POST", f"/api/v1/imports/{pending['id']}/columns", {"date": 0, "amount": 2}),
        ("PATCH", txn_url, {"category": "office", "ignored": True}),
        ("DELETE", f"{txn_url}/matches/{match_id}", None),
        ("POST", f"{txn_url}/dismissed-suggestions", {"targets": []}),
        ("POST", f"{txn_url}/expense", {}),
        ("GET", f"/api/v1/bank-rules/{rule_id}", None),
        ("PUT", f"/api/v1/bank-rules/{rule_id}", {"pattern": "X", "category": "office"}),
        ("POST", f"/api/v1/bank-rules/{rule_id}/move", {"direction": "up"}),
        ("DELETE", f"/api/v1/bank-rules/{rule_id}", None),
    ]
    for method, url, body in attempts:
        response = other.open(url, method, json=body)
        assert response.status_code == 404, (method, url, response.get_json())
    assert owner.get(txn_url).get_json()["reconciliation"] == "reconciled"
    assert owner.get(f"/api/v1/bank-accounts/{account['id']}").get_json()["name"] == (
        "Business current"
    )
    assert owner.get(f"/api/v1/imports/{pending['id']}").get_json()["status"] == "pending"
    assert owner.get(f"/api/v1/bank-rules/{rule_id}").get_json()["pattern"] == "ACME"
    assert other.get("/api/v1/bank-rules").get_json()["data"] == []


# --------------------------------------------------------------------------- rules


def test_rules_added_changed_moved_applied_and_deleted(app: Flask, api: Any) -> None:
    account = _new_account(api)
    _upload(api, account["id"], STARLING)

    for body, field in (
        ({"match_kind": "regex", "pattern": "(unclosed", "category": "office"}, "pattern"),
        ({"pattern": "CAMERA"}, "category"),
        ({"match_kind": "any", "category": "office"}, "min_amount"),
        (
            {
                "match_kind": "any",
                "category": "office",
                "min_amount": {"amount": "50.00"},
                "max_amount": {"amount": "10.00"},
            },
            "max_amount",
        ),
        ({"pattern": "CAMERA", "client_id": str(uuid.uuid4())}, "client_id"),
    ):
        _refused(api.post("/api/v1/bank-rules", json=body), field)
    assert api.get("/api/v1/bank-rules").get_json()["data"] == []

    camera = api.post("/api/v1/bank-rules", json={"pattern": "CAMERA", "category": "travel"})
    assert camera.status_code == 201, camera.get_json()
    acme = api.post(
        "/api/v1/bank-rules",
        json={"pattern": "ACME", "direction": "in", "category": "income"},
    ).get_json()
    assert (camera.get_json()["position"], acme["position"]) == (1, 2)

    changed = api.open(
        f"/api/v1/bank-rules/{camera.get_json()['id']}",
        "PUT",
        json={"pattern": "camera shop", "direction": "out", "category": "office"},
    )
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["pattern"], changed.get_json()["position"]) == ("camera shop", 1)

    moved = api.post(f"/api/v1/bank-rules/{acme['id']}/move", json={"direction": "up"})
    assert moved.status_code == 200
    assert [r["id"] for r in moved.get_json()["data"]] == [acme["id"], camera.get_json()["id"]]
    refused = api.post(f"/api/v1/bank-rules/{acme['id']}/move", json={"direction": "sideways"})
    _refused(refused, "direction")

    applied = api.post("/api/v1/bank-rules/apply")
    assert applied.status_code == 200
    assert applied.get_json() == {"categorised": 2, "skipped_closed": 0, "locked_through": None}
    lines = _lines(api, account["id"])
    assert (lines["CAMERA SHOP"]["category"], lines["ACME STUDIOS"]["category"]) == (
        "office",
        "income",
    )
    _books_whole(app, api.user.id)

    assert api.open(f"/api/v1/bank-rules/{acme['id']}", "DELETE").status_code == 200
    assert api.get(f"/api/v1/bank-rules/{acme['id']}").status_code == 404
    left = api.get("/api/v1/bank-rules").get_json()["data"]
    assert [r["id"] for r in left] == [camera.get_json()["id"]]
    # Lines it categorised keep their category.
    assert _lines(api, account["id"])["ACME STUDIOS"]["category"] == "income"
