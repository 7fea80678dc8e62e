"""Row factories for ledger tests: rows are written directly, as the features would leave them."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask


class Books:
    """Writes invoices, payments, credit notes, remittance income, expenses and journeys."""

    def __init__(self, db: Any, user_id: uuid.UUID):
        from minimin.contacts.models import Agency, Client

        self.db = db
        self.user_id = user_id
        self._n = 0
        self.client = Client(user_id=user_id, name="Acme Studios Ltd", kind="company")
        self.agency = Agency(user_id=user_id, name="Top Models", email="pay@top.example")
        db.session.add_all([self.client, self.agency])
        db.session.flush()

    def invoice(
        self,
        issued: date,
        net: int,
        vat: int = 0,
        *,
        status: str = "issued",
        client_id: Any = "default",
        agency_id: Any = None,
        currency: str = "GBP",
        rate: Decimal | None = None,
        customer_name: str = "Acme Studios Ltd",
    ) -> Any:
        from minimin.invoices.models import Invoice

        self._n += 1
        invoice = Invoice(
            user_id=self.user_id,
            number=f"INV-{self._n:05d}",
            sequence=self._n,
            status=status,
            client_id=self.client.id if client_id == "default" else client_id,
            agency_id=agency_id,
            customer_name=customer_name,
            issue_date=issued,
            currency=currency,
            exchange_rate=rate,
            net_pence=net,
            vat_pence=vat,
            total_pence=net + vat,
        )
        self.db.session.add(invoice)
        self.db.session.flush()
        return invoice

    def pay(self, invoice: Any, on: date, amount: int) -> Any:
        from minimin.invoices.models import Payment

        payment = Payment(
            user_id=self.user_id,
            invoice_id=invoice.id,
            paid_on=on,
            amount_pence=amount,
            currency=invoice.currency,
        )
        invoice.paid_pence += amount
        self.db.session.add(payment)
        self.db.session.flush()
        return payment

    def credit(self, invoice: Any, on: date, net: int, vat: int = 0) -> Any:
        from minimin.invoices.models import CreditNote

        self._n += 1
        note = CreditNote(
            user_id=self.user_id,
            invoice_id=invoice.id,
            number=f"CN-{self._n:05d}",
            sequence=self._n,
            issue_date=on,
            currency=invoice.currency,
            net_pence=net,
            vat_pence=vat,
            total_pence=net + vat,
        )
        self.db.session.add(note)
        self.db.session.flush()
        return note

    def agency_income(
        self,
        received: date,
        gross: int,
        *,
        expenses: int = 0,
        fee_vat: int = 0,
        commission: int = 0,
        job_id: Any = None,
        agency_id: Any = "default",
        currency: str = "GBP",
    ) -> Any:
        from minimin.remittances.models import AgencyIncome, Remittance, RemittanceLine

        agency = self.agency.id if agency_id == "default" else agency_id
        remittance = Remittance(
            user_id=self.user_id,
            agency_id=agency,
            date=received,
            currency=currency,
            status="posted",
            total_net_pence=gross + fee_vat + expenses - commission,
        )
        self.db.session.add(remittance)
        self.db.session.flush()
        line = RemittanceLine(
            user_id=self.user_id,
            remittance_id=remittance.id,
            gross_pence=gross,
            fee_vat_pence=fee_vat,
            commission_pence=commission,
            expenses_pence=expenses,
            net_pence=gross + fee_vat + expenses - commission,
            job_id=job_id,
        )
        self.db.session.add(line)
        self.db.session.flush()
        income = AgencyIncome(
            user_id=self.user_id,
            remittance_id=remittance.id,
            remittance_line_id=line.id,
            agency_id=agency,
            job_id=job_id,
            received_on=received,
            currency=currency,
            income_pence=gross + expenses,
            gross_fee_pence=gross,
            expenses_pence=expenses,
            output_vat_pence=fee_vat,
            commission_pence=commission,
            net_pence=gross + fee_vat + expenses - commission,
        )
        self.db.session.add(income)
        self.db.session.flush()
        return income

    def job(self, on: date, gross: int, *, status: str = "completed", agency: bool = True) -> Any:
        from minimin.jobs.models import Job

        job = Job(
            user_id=self.user_id,
            title="Shoot",
            agency_id=self.agency.id if agency else None,
            client_id=None if agency else self.client.id,
            status=status,
            starts_on=on,
            ends_on=on,
            gross_pence=gross,
            currency="GBP",
        )
        self.db.session.add(job)
        self.db.session.flush()
        return job

    def expense(
        self,
        on: date,
        amount: int,
        category: str = "other",
        *,
        vat: int = 0,
        reclaim: bool = False,
        percent: str = "100",
        confirmed: bool = False,
        currency: str = "GBP",
    ) -> Any:
        from minimin.expenses.models import Expense

        expense = Expense(
            user_id=self.user_id,
            date=on,
            supplier="Supplier",
            category=category,
            amount_pence=amount,
            vat_pence=vat,
            vat_treatment="standard" if vat else "none",
            vat_reclaimable=reclaim,
            business_percent=Decimal(percent),
            warnings_confirmed=confirmed,
            currency=currency,
        )
        self.db.session.add(expense)
        self.db.session.flush()
        return expense

    def journey(self, on: date, miles: str, vehicle: str = "car_van") -> Any:
        from minimin.expenses.models import Journey

        journey = Journey(
            user_id=self.user_id,
            date=on,
            origin="Home",
            destination="Studio",
            purpose="Casting",
            miles=Decimal(miles),
            vehicle=vehicle,
        )
        self.db.session.add(journey)
        self.db.session.flush()
        return journey


@pytest.fixture
def books(app: Flask, db: Any, make_user: Any) -> Books:
    user = make_user()
    return Books(db, user.id)
