"""Fixtures for banking: a signed-in owner with a business profile, a client, an agency and a
bank account; helpers to upload statements and to make open invoices."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask


@pytest.fixture
def owner(app: Flask, make_user: Any) -> Any:
    from minimin.business.models import BusinessProfile
    from minimin.contacts.models import Agency, Client
    from minimin.extensions import db

    user = make_user(email=f"owner-{uuid.uuid4().hex[:8]}@example.com", full_name="Alex Freelance")
    with app.app_context():
        db.session.add(
            BusinessProfile(
                user_id=user.id,
                business_name="Alex Freelance Photography",
                address_line1="1 High Street",
                town="Bristol",
                postcode="BS1 1AA",
                invoice_email="alex@example.com",
                vat_registered=False,
                onboarding_step="done",
            )
        )
        client = Client(
            user_id=user.id, name="Acme Studios Ltd", email="a@acme.example", kind="company"
        )
        agency = Agency(user_id=user.id, name="Top Models Agency", email="pay@top.example")
        db.session.add_all([client, agency])
        db.session.commit()
        user.client_id = client.id
        user.agency_id = agency.id
    return user


@pytest.fixture
def intruder(make_user: Any) -> Any:
    return make_user(email=f"intruder-{uuid.uuid4().hex[:8]}@example.com")


@pytest.fixture
def signed_in(client: Any, owner: Any, login: Any) -> Any:
    login(client, owner)
    return client


@pytest.fixture
def account(app: Flask, owner: Any) -> Any:
    from minimin.banking import services
    from minimin.extensions import db

    with app.app_context():
        acct = services.create_account(
            owner.id, services.BankAccountInput(name="Business current", last_four="1234")
        )
        db.session.commit()
        return acct.id


@pytest.fixture
def make_invoice(app: Flask, owner: Any) -> Any:
    """An issued invoice to the owner's client (or agency) with *total_pence* outstanding."""
    from minimin.extensions import db
    from minimin.invoices.models import Invoice

    counter = iter(range(1, 10_000))

    def make(
        total_pence: int,
        *,
        number: str | None = None,
        issued: date = date(2025, 3, 1),
        **extra: Any,
    ) -> uuid.UUID:
        with app.app_context():
            seq = next(counter)
            invoice = Invoice(
                user_id=owner.id,
                status="issued",
                number=number or f"INV-{seq:04d}",
                sequence=seq,
                client_id=extra.pop("client_id", owner.client_id),
                customer_name=extra.pop("customer_name", "Acme Studios Ltd"),
                issue_date=issued,
                tax_point=issued,
                due_date=issued,
                net_pence=total_pence,
                total_pence=total_pence,
                **extra,
            )
            db.session.add(invoice)
            db.session.commit()
            return invoice.id

    return make


@pytest.fixture
def upload(app: Flask) -> Any:
    """Upload *data* to the account's import page; return the response."""

    def send(client: Any, account_id: Any, data: bytes, filename: str = "statement.csv") -> Any:
        path = f"/banking/accounts/{account_id}/import"
        token = client.csrf_token(path)
        return client.post(
            path,
            data={"csrf_token": token, "statement": (io.BytesIO(data), filename)},
            content_type="multipart/form-data",
        )

    return send


@pytest.fixture
def import_csv(upload: Any) -> Any:
    """Upload a CSV and confirm the proposed columns (optionally overriding some)."""

    def run(client: Any, account_id: Any, data: bytes, **overrides: str) -> Any:
        response = upload(client, account_id, data)
        if response.status_code != 302 or "/columns" not in response.headers["Location"]:
            return response
        path = response.headers["Location"]
        page = client.get(path)
        assert page.status_code == 200, page.text
        form = proposed(page.text)
        form.update(overrides)
        return client.submit(path, form)

    return run


def proposed(html: str) -> dict[str, str]:
    """The selected options of the mapping form."""
    values: dict[str, str] = {}
    for name in (
        "date",
        "description",
        "amount",
        "money_in",
        "money_out",
        "counterparty",
        "reference",
        "date_order",
    ):
        select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
        assert select, name
        chosen = re.search(
            r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select.group(1)
        )
        values[name] = (chosen.group(1) or chosen.group(2) or "") if chosen else ""
    values["remember"] = "y"
    return values


@pytest.fixture
def rows(app: Flask) -> Any:
    """The owner's transactions as (date, pence, description) tuples, ordered."""
    from minimin.banking.models import BankTransaction
    from minimin.extensions import db

    def fetch(**where: Any) -> list[Any]:
        with app.app_context():
            query = sa.select(BankTransaction)
            for key, value in where.items():
                query = query.where(getattr(BankTransaction, key) == value)
            return list(
                db.session.scalars(
                    query.order_by(
                        BankTransaction.posted_on,
                        BankTransaction.amount_pence,
                        BankTransaction.description,
                    )
                )
            )

    return fetch


@pytest.fixture
def make_txn(app: Flask, owner: Any, account: Any) -> Any:
    from minimin.banking.importers import payee_key
    from minimin.banking.models import BankTransaction
    from minimin.extensions import db

    def make(pence: int, *, day: date = date(2025, 3, 20), **fields: Any) -> uuid.UUID:
        with app.app_context():
            txn = BankTransaction(
                user_id=owner.id,
                bank_account_id=account,
                posted_on=day,
                amount_pence=pence,
                currency="GBP",
                fingerprint=uuid.uuid4().hex,
                description=fields.pop("description", ""),
                payee_key=payee_key(fields.get("counterparty", ""), ""),
                **fields,
            )
            db.session.add(txn)
            db.session.commit()
            return txn.id

    return make
