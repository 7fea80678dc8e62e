"""The dashboard's "Agency owes you" card: each agency's debtor balance in the journal, and
agency money paid but not yet matched to a bank line (agency clearing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from minimin.core.dates import uk_today


def _agency_work(app: Any, user: Any, today: dt.date) -> None:
    """An agency job done 12 days ago (£1,000, not remitted) and one done 20 days ago (£500)
    remitted 5 days ago less £75 commission, the commission expense deducted by the agency
    as posting a remittance records it. Every row as the features leave them."""
    from minimin.contacts.models import Agency
    from minimin.expenses.models import Expense
    from minimin.extensions import db
    from minimin.jobs.models import Job
    from minimin.remittances.models import AgencyIncome, Remittance, RemittanceLine

    with app.app_context():
        agency = Agency(user_id=user.id, name="Top Models", email="pay@top.example")
        db.session.add(agency)
        db.session.flush()

        def job(days_ago: int, gross: int) -> Job:
            day = today - dt.timedelta(days=days_ago)
            row = Job(
                user_id=user.id,
                title="Shoot",
                agency_id=agency.id,
                status="completed",
                starts_on=day,
                ends_on=day,
                gross_pence=gross,
                currency="GBP",
            )
            db.session.add(row)
            db.session.flush()
            return row

        job(12, 100000)
        paid = job(20, 50000)
        received = today - dt.timedelta(days=5)
        remittance = Remittance(
            user_id=user.id,
            agency_id=agency.id,
            date=received,
            currency="GBP",
            status="posted",
            total_net_pence=42500,
        )
        db.session.add(remittance)
        db.session.flush()
        line = RemittanceLine(
            user_id=user.id,
            remittance_id=remittance.id,
            gross_pence=50000,
            commission_pence=7500,
            net_pence=42500,
            job_id=paid.id,
        )
        db.session.add(line)
        db.session.flush()
        commission = Expense(
            user_id=user.id,
            date=received,
            supplier="Top Models",
            category="professional",
            amount_pence=7500,
            vat_pence=0,
            vat_treatment="none",
            payment_method="deducted",
        )
        db.session.add(commission)
        db.session.flush()
        db.session.add(
            AgencyIncome(
                user_id=user.id,
                remittance_id=remittance.id,
                remittance_line_id=line.id,
                agency_id=agency.id,
                job_id=paid.id,
                received_on=received,
                currency="GBP",
                income_pence=50000,
                gross_fee_pence=50000,
                commission_pence=7500,
                net_pence=42500,
                expense_id=commission.id,
            )
        )
        db.session.commit()


def test_agency_owes_you_is_the_debtor_balance_and_clearing(client: Any, trader: Any) -> None:
    user = trader()
    today = uk_today()
    _agency_work(app=client.application, user=user, today=today)
    html = client.get("/").get_data(as_text=True)
    card = html[html.index('id="agency-owes"') : html.index('id="upcoming"')]
    # The remitted job's debt is cleared; the other job's gross fee is owed, 12 days old.
    assert "Top Models: £1,000.00 · 1 job · oldest 12 days" in card
    # £500 gross less £75 commission paid by the agency, no bank line matched yet.
    assert "Paid by agencies, not yet matched to a bank line: £425.00" in card


def test_no_agency_work_no_balance(client: Any, trader: Any) -> None:
    user = trader()
    user.books.expense(day=uk_today(), amount=1000)
    html = client.get("/").get_data(as_text=True)
    assert "No agency money is waiting." in html
    assert "not yet matched to a bank line" not in html
