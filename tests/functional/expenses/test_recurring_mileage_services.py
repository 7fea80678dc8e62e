"""Recurring expenses, the mileage log pages, VAT defaults and the service used by banking."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from minimin.core.dates import uk_today
from minimin.expenses import services
from minimin.expenses.models import Expense, Journey, RecurringExpense
from tests.functional.expenses.conftest import expense_form


def _recurring_form(**over: Any) -> dict[str, Any]:
    data = {
        "supplier": "Spotlight",
        "description": "Membership",
        "category": "advertising",
        "currency": "GBP",
        "amount": "18.00",
        "vat_treatment": "none",
        "vat": "",
        "business_percent": "100",
        "payment_method": "direct_debit",
        "frequency": "monthly",
        "start_date": f"{uk_today().year - 1}-01-31",
        "end_date": "",
        "active": "y",
    }
    data.update(over)
    return data


def test_recurring_creates_due_expenses_once(
    app: Any, signed_in: Any, owner: Any, count_rows: Any
) -> None:
    from minimin.core.db import commit
    from minimin.expenses.tasks import create_due_recurring
    from minimin.extensions import db

    # From 31 January of last year: always within how far back a schedule may start.
    year = uk_today().year - 1
    response = signed_in.submit("/expenses/recurring/new", _recurring_form())
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    created = count_rows(Expense, user_id=owner.id)
    assert created >= 12  # 31 Jan, 28 (29) Feb, 31 Mar, 30 Apr ... up to today
    with app.app_context():
        days = sorted(
            db.session.scalars(
                sa.select(Expense.period_date).where(Expense.user_id == owner.id)
            ).all()
        )
        assert days[:4] == [
            date(year, 1, 31),
            date(year, 2, calendar.monthrange(year, 2)[1]),
            date(year, 3, 31),
            date(year, 4, 30),
        ]
    # the daily task, twice, adds nothing more today
    with app.app_context():
        create_due_recurring.apply()
        create_due_recurring.apply()
    assert count_rows(Expense, user_id=owner.id) == created
    # even if the schedule is rewound, the unique key stops a second copy of a period
    with app.app_context():
        rec = db.session.scalar(sa.select(RecurringExpense))
        rec.occurrences = 0
        rec.next_due = rec.start_date
        commit(db.session)
        assert services.create_due_expenses() == 0
        commit(db.session)
    assert count_rows(Expense, user_id=owner.id) == created
    page = signed_in.get("/expenses/recurring").get_data(as_text=True)
    assert "Spotlight" in page and "Monthly" in page


def test_recurring_due_in_future_and_next_due(app: Any, owner: Any) -> None:
    from minimin.extensions import db

    with app.app_context():
        year = uk_today().year + 1
        rec = services.create_recurring(
            owner.id,
            services.RecurringInput(
                supplier="Equity",
                category="professional",
                amount_pence=15000,
                frequency="yearly",
                start_date=date(year, 3, 1),
            ),
        )
        assert services.create_due_expenses(today=date(year, 2, 28)) == 0
        assert rec.next_due == date(year, 3, 1)
        assert services.create_due_expenses(today=date(year + 2, 3, 1)) == 3
        assert rec.next_due == date(year + 3, 3, 1)
        rows = db.session.scalars(sa.select(Expense).order_by(Expense.date)).all()
        assert [e.source for e in rows] == ["recurring"] * 3
        assert {e.amount_pence for e in rows} == {15000}
        db.session.rollback()


def test_recurring_bad_input(app: Any, signed_in: Any, owner: Any, count_rows: Any) -> None:
    for over, message in [
        ({"amount": "1e309"}, "exponent"),
        ({"end_date": "2024-01-01"}, "on or after"),
        ({"frequency": "weekly"}, "Not a valid choice"),
        ({"start_date": "2025-02-29"}, "does not exist"),
        ({"supplier": ""}, "Enter who you pay"),
    ]:
        response = signed_in.submit("/expenses/recurring/new", _recurring_form(**over))
        assert response.status_code == 400, over
        assert message in response.get_data(as_text=True), over
    assert count_rows(RecurringExpense, user_id=owner.id) == 0
    assert count_rows(Expense, user_id=owner.id) == 0


def test_mileage_log_pages(app: Any, signed_in: Any, owner: Any, count_rows: Any) -> None:
    base = {
        "origin": "Home",
        "destination": "Pinewood",
        "purpose": "Casting",
        "vehicle": "car_van",
        "job_id": "",
    }
    assert (
        signed_in.submit(
            "/expenses/mileage/new", {**base, "date": "2025-04-10", "miles": "9995.0"}
        ).status_code
        == 302
    )
    assert (
        signed_in.submit(
            "/expenses/mileage/new", {**base, "date": "2025-05-10", "miles": "10.5"}
        ).status_code
        == 302
    )
    assert (
        signed_in.submit(
            "/expenses/mileage/new", {**base, "date": "2025-04-01", "miles": "12"}
        ).status_code
        == 302
    )
    page = signed_in.get("/expenses/mileage").get_data(as_text=True)
    assert "Tax year 2025/26" in page and "Tax year 2024/25" in page
    # 9995 × 45p + 5 × 45p + 5.5 × 25p = £4,501.375 → £4,501.38
    assert "£4,501.38" in page
    assert "5.0 at 45p, 5.5 at 25p" in page
    assert "£5.40" in page  # 2024/25: 12 × 45p
    only = signed_in.get("/expenses/mileage?tax_year=2024/25").get_data(as_text=True)
    assert "Tax year 2025/26" not in only
    for miles, message in [
        ("1.25", "one decimal"),
        ("-3", "in figures"),
        ("NaN", "in figures"),
        ("0", "from 0.1"),
        ("1e5", "in figures"),
        ("", "Enter the miles"),
    ]:
        response = signed_in.submit(
            "/expenses/mileage/new", {**base, "date": "2025-05-10", "miles": miles}
        )
        assert response.status_code == 400, miles
        assert message in response.get_data(as_text=True), miles
    assert count_rows(Journey, user_id=owner.id) == 3


def _profile(app: Any, user: Any, **fields: Any) -> None:
    from minimin.business.models import BusinessProfile
    from minimin.core.db import commit
    from minimin.extensions import db

    with app.app_context():
        db.session.add(BusinessProfile(user_id=user.id, **fields))
        commit(db.session)


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        ({"vat_registered": True, "vat_scheme": "standard"}, True),
        ({"vat_registered": True, "vat_scheme": "flat_rate"}, False),
        ({"vat_registered": False}, False),
    ],
)
def test_vat_reclaimable_follows_the_business(
    app: Any, signed_in: Any, owner: Any, profile: dict[str, Any], expected: bool
) -> None:
    _profile(app, owner, **profile)
    page = signed_in.get("/expenses/new").get_data(as_text=True)
    assert ('name="vat_reclaimable"' in page) is expected
    data = expense_form(vat_reclaimable="y")
    assert signed_in.submit("/expenses/new", data).status_code == 302
    from minimin.extensions import db

    with app.app_context():
        expense = db.session.scalar(sa.select(Expense))
        assert expense.vat_reclaimable is expected
        assert expense.reclaimable_vat_pence == (2000 if expected else 0)
        assert expense.allowable_pence == (10000 if expected else 12000)


def test_user_can_untick_reclaim(app: Any, signed_in: Any, owner: Any) -> None:
    _profile(app, owner, vat_registered=True, vat_scheme="standard")
    assert signed_in.submit("/expenses/new", expense_form()).status_code == 302
    from minimin.extensions import db

    with app.app_context():
        assert db.session.scalar(sa.select(Expense.vat_reclaimable)) is False


def test_create_expense_is_idempotent_by_external_ref(app: Any, owner: Any, make_user: Any) -> None:
    from minimin.core.db import commit
    from minimin.extensions import db

    other = make_user()
    with app.app_context():
        first = services.create_expense(
            owner.id,
            services.ExpenseInput(
                date=date(2025, 5, 1),
                supplier="Agency",
                description="Commission",
                category="professional",
                amount_pence=18000,
                vat_pence=3000,
            ),
            source="remittance",
            external_ref="rem-1:line-1",
        )
        again = services.create_expense(
            owner.id,
            services.ExpenseInput(
                date=date(2025, 5, 1),
                supplier="Agency",
                amount_pence=18000,
            ),
            source="remittance",
            external_ref="rem-1:line-1",
        )
        assert again.id == first.id
        # the same reference from another source or user is a different expense
        bank = services.create_expense(
            owner.id,
            services.ExpenseInput(
                date=date(2025, 5, 1),
                supplier="Agency",
                amount_pence=18000,
            ),
            source="bank",
            external_ref="rem-1:line-1",
        )
        theirs = services.create_expense(
            other.id,
            services.ExpenseInput(
                date=date(2025, 5, 1),
                supplier="Agency",
                amount_pence=18000,
            ),
            source="remittance",
            external_ref="rem-1:line-1",
        )
        assert len({first.id, bank.id, theirs.id}) == 3
        commit(db.session)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Expense)) == 3


def test_create_expense_refuses_bad_fields(app: Any, owner: Any, make_user: Any) -> None:
    from minimin.extensions import db
    from minimin.jobs.models import Job

    other = make_user()
    with app.app_context():
        job = Job(user_id=other.id, title="Their job")
        db.session.add(job)
        db.session.flush()
        good = {"date": date(2025, 5, 1), "supplier": "S", "amount_pence": 100}
        for bad, name in [
            ({"amount_pence": -1}, "amount_pence"),
            ({"amount_pence": 1.5}, "amount_pence"),
            ({"vat_pence": 101}, "vat_pence"),
            ({"business_percent": Decimal("100.5")}, "business_percent"),
            ({"business_percent": Decimal("NaN")}, "business_percent"),
            ({"category": "pets"}, "category"),
            ({"currency": "XXX1"}, "currency"),
            ({"supplier": "a\x00b"}, "supplier"),
            ({"job_id": job.id}, "job_id"),
            ({"date": "2025-05-01"}, "date"),
        ]:
            with pytest.raises(services.ExpenseError) as info:
                services.create_expense(owner.id, services.ExpenseInput(**{**good, **bad}))
            assert info.value.field == name, bad
        db.session.rollback()
