"""Fixtures for the dashboard, VAT, MTD and export pages: a signed-in sole trader whose
records are inserted directly as rows (issued invoices with known totals, payments, expenses,
agency income) so that every expected figure can be worked out by hand."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

import minimin.reports.tax_models  # noqa: F401 - tables in the test schema


class Books:
    """Adds rows for one user inside an app context and commits."""

    def __init__(self, app: Flask, user: Any):
        self.app = app
        self.user = user
        self.seq = 0

    def _add(self, *rows: Any) -> None:
        from minimin.extensions import db

        with self.app.app_context():
            db.session.add_all(rows)
            db.session.commit()
            for row in rows:
                db.session.refresh(row)
                db.session.expunge(row)

    def invoice(
        self,
        *,
        tax_point: dt.date,
        net: int,
        vat: int = 0,
        treatment: str = "standard",
        status: str = "issued",
        customer: str = "Acme Studios Ltd",
        client_id: uuid.UUID | None = None,
        due: dt.date | None = None,
        pdf_key: str | None = None,
    ) -> Any:
        from minimin.invoices.models import Invoice, InvoiceLine

        self.seq += 1
        invoice = Invoice(
            user_id=self.user.id,
            number=f"INV-{self.seq:04d}",
            sequence=self.seq,
            status=status,
            customer_name=customer,
            # An issued invoice always bills someone (invoices.services.issue refuses it
            # otherwise): the user's client Acme unless told.
            client_id=client_id or getattr(self.user, "client_id", None),
            issue_date=tax_point,
            tax_point=tax_point,
            due_date=due or tax_point + dt.timedelta(days=30),
            net_pence=net,
            vat_pence=vat,
            total_pence=net + vat,
            vat_gbp_pence=vat,
            pdf_key=pdf_key,
        )
        invoice.lines.append(
            InvoiceLine(
                user_id=self.user.id,
                description="Shoot",
                quantity=Decimal(1),
                unit_price_pence=net,
                vat_treatment=treatment,
                vat_rate=Decimal(20) if vat else Decimal(0),
                net_pence=net,
                vat_pence=vat,
            )
        )
        self._add(invoice)
        return invoice

    def payment(self, invoice: Any, amount: int, paid_on: dt.date) -> Any:
        from minimin.extensions import db
        from minimin.invoices.models import Invoice, Payment

        payment = Payment(
            user_id=self.user.id, invoice_id=invoice.id, paid_on=paid_on, amount_pence=amount
        )
        with self.app.app_context():
            db.session.add(payment)
            row = db.session.get(Invoice, invoice.id)
            row.paid_pence += amount
            row.status = "paid" if row.paid_pence >= row.total_pence else "part_paid"
            db.session.commit()
        return payment

    def expense(
        self,
        *,
        day: dt.date,
        amount: int,
        vat: int = 0,
        category: str = "travel",
        reclaimable: bool = False,
        supplier: str = "Trainline",
    ) -> Any:
        from minimin.expenses.models import Expense

        expense = Expense(
            user_id=self.user.id,
            date=day,
            supplier=supplier,
            description="Travel to a job",
            category=category,
            amount_pence=amount,
            vat_pence=vat,
            vat_treatment="standard" if vat else "none",
            vat_reclaimable=reclaimable,
            business_percent=Decimal(100),
        )
        self._add(expense)
        return expense


@pytest.fixture
def trader(app: Flask, make_user: Any, login: Any, client: Any) -> Any:
    """make(**profile) -> a signed-in user with a business profile, and ``user.books``."""

    def make(**profile: Any) -> Any:
        from minimin.business.models import BusinessProfile
        from minimin.contacts.models import Client
        from minimin.extensions import db

        user = make_user(full_name="Sam Trader")
        with app.app_context():
            values = {
                "user_id": user.id,
                "business_name": "Sam Trader",
                "onboarding_step": "done",
                "vat_registered": False,
                **profile,
            }
            db.session.add(BusinessProfile(**values))
            acme = Client(user_id=user.id, name="Acme Studios Ltd", kind="company")
            db.session.add(acme)
            db.session.commit()
            user.client_id = acme.id
        user.books = Books(app, user)
        login(client, user)
        return user

    return make


# --------------------------------------------------------------------------- tax-year report,
# estimate, P&L and income-by pages: ledger rows written with tests.unit.reports.conftest.Books


@pytest.fixture
def signed_in(app: Flask, client: Any, make_user: Any, login: Any) -> Any:
    user = make_user()
    login(client, user)
    return user


@pytest.fixture
def user_books(app: Flask, signed_in: Any) -> Any:
    """Write rows for the signed-in user inside ``with user_books() as books:``; committed at
    the end of the block."""
    from contextlib import contextmanager

    from minimin.extensions import db
    from tests.unit.reports.conftest import Books as LedgerBooks

    @contextmanager
    def writer() -> Any:
        with app.app_context():
            books = LedgerBooks(db, signed_in.id)
            yield books
            db.session.commit()

    return writer
