"""Fixtures for remittances: an owner with an agency, completed agency jobs and a deposit."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

JOB_DAY = dt.date(2025, 5, 1)
REMITTANCE_DAY = dt.date(2025, 5, 12)


@pytest.fixture
def owner(make_user: Any) -> Any:
    return make_user(email=f"owner-{uuid.uuid4().hex[:8]}@example.com")


@pytest.fixture
def intruder(make_user: Any) -> Any:
    return make_user(email=f"intruder-{uuid.uuid4().hex[:8]}@example.com")


@pytest.fixture
def signed_in(client: Any, owner: Any, login: Any) -> Any:
    login(client, owner)
    return client


@pytest.fixture
def make_agency(app: Any) -> Any:
    from minimin.contacts.models import Agency
    from minimin.extensions import db

    def make(user: Any, name: str = "Bookers Ltd", **fields: Any) -> uuid.UUID:
        fields.setdefault("default_commission_percent", Decimal("15"))
        fields.setdefault("commission_vat_added", True)
        fields.setdefault("vat_registered", True)
        with app.app_context():
            agency = Agency(user_id=user.id, name=name, **fields)
            db.session.add(agency)
            db.session.commit()
            return agency.id

    return make


@pytest.fixture
def make_job(app: Any) -> Any:
    from minimin.extensions import db
    from minimin.jobs.models import COMPLETED, FeeLine, Job, JobDate

    def make(
        user: Any,
        agency_id: uuid.UUID | None,
        title: str = "Spring campaign",
        day: dt.date = JOB_DAY,
        fee_pence: int = 100000,
        status: str = COMPLETED,
        percent: str = "15",
    ) -> uuid.UUID:
        with app.app_context():
            job = Job(
                user_id=user.id,
                title=title,
                agency_id=agency_id,
                status=status,
                currency="GBP",
                starts_on=day,
                ends_on=day,
                commission_percent=Decimal(percent) if agency_id else None,
                commission_vat=bool(agency_id),
                quoting="fee_inclusive",
            )
            db.session.add(job)
            db.session.flush()
            db.session.add(JobDate(user_id=user.id, job_id=job.id, position=0, day=day))
            db.session.add(
                FeeLine(
                    user_id=user.id,
                    job_id=job.id,
                    position=0,
                    kind="day_rate",
                    quantity=Decimal(1),
                    unit_amount_pence=fee_pence,
                    amount_pence=fee_pence,
                    commissionable=True,
                    vat_applies=True,
                )
            )
            db.session.commit()
            return job.id

    return make


@pytest.fixture
def make_deposit(app: Any) -> Any:
    from minimin.banking.models import BankAccount, BankTransaction
    from minimin.extensions import db

    def make(
        user: Any, amount_pence: int = 82000, day: dt.date = dt.date(2025, 5, 14)
    ) -> uuid.UUID:
        with app.app_context():
            account = db.session.scalar(
                sa.select(BankAccount).where(BankAccount.user_id == user.id)
            )
            if account is None:
                account = BankAccount(user_id=user.id, name="Current", last_four="1234")
                db.session.add(account)
                db.session.flush()
            txn = BankTransaction(
                user_id=user.id,
                bank_account_id=account.id,
                posted_on=day,
                amount_pence=amount_pence,
                currency="GBP",
                description="BOOKERS LTD REMITTANCE",
                fingerprint=secrets.token_hex(32),
            )
            db.session.add(txn)
            db.session.commit()
            return txn.id

    return make


@pytest.fixture
def count_rows(app: Any) -> Any:
    from minimin.extensions import db

    def count(model: Any, **where: Any) -> int:
        with app.app_context():
            query = sa.select(sa.func.count()).select_from(model)
            for name, value in where.items():
                query = query.where(getattr(model, name) == value)
            return int(db.session.scalar(query) or 0)

    return count


def remittance_form(agency_id: Any, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "action": "save",
        "agency_id": str(agency_id),
        "kind": "advice",
        "date": REMITTANCE_DAY.isoformat(),
        "reference": "RA-014",
        "agency_invoice_number": "",
        "total_net": "820.00",
        "source_file_id": "",
        "lines-0-reference": "",
        "lines-0-description": "Spring campaign",
        "lines-0-work_date": "01/05/2025",
        "lines-0-gross": "1,000.00",
        "lines-0-fee_vat": "",
        "lines-0-commission": "150.00",
        "lines-0-commission_vat": "30.00",
        "lines-0-expenses": "",
        "lines-0-net": "820.00",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
