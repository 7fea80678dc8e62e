"""A recurring expense cannot start decades back (hundreds of expenses in one request), and one
catch-up run adds a bounded number of expenses; the rest follow on the next run."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from minimin.core.dates import uk_today
from minimin.expenses import services
from minimin.expenses.models import Expense, RecurringExpense
from tests.functional.expenses.test_recurring_mileage_services import _recurring_form

REFUSED = "A recurring expense can start on"


def _input(start: date, **over: Any) -> services.RecurringInput:
    return services.RecurringInput(
        supplier="Spotlight",
        category="advertising",
        amount_pence=1800,
        frequency="monthly",
        start_date=start,
        **over,
    )


def _months_due(start: date, today: date) -> int:
    """Monthly periods from *start* (a day of month up to 28) to *today* inclusive."""
    months = (today.year - start.year) * 12 + today.month - start.month
    return months + (1 if today.day >= start.day else 0)


@pytest.mark.parametrize("start", ["1900-01-01", "EARLIEST-1"])
def test_the_page_refuses_a_start_too_far_back_and_adds_nothing(
    signed_in: Any, owner: Any, count_rows: Any, start: str
) -> None:
    if start == "EARLIEST-1":
        start = (services.earliest_recurring_start(uk_today()) - timedelta(days=1)).isoformat()
    response = signed_in.submit("/expenses/recurring/new", _recurring_form(start_date=start))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    earliest = services.earliest_recurring_start(uk_today()).strftime("%d/%m/%Y")
    assert f"{REFUSED} {earliest} at the earliest" in page
    assert "Enter earlier costs as single expenses." in page
    assert count_rows(RecurringExpense, user_id=owner.id) == 0
    assert count_rows(Expense, user_id=owner.id) == 0


def test_the_form_says_how_far_back_a_schedule_can_start(signed_in: Any) -> None:
    from babel.dates import format_date

    earliest = services.earliest_recurring_start(uk_today())
    page = signed_in.get("/expenses/recurring/new").get_data(as_text=True)
    shown = format_date(earliest, "medium", locale="en_GB")
    assert f"A new first date can be {shown} at the earliest" in page


def test_the_earliest_start_is_accepted_and_caught_up_in_full(
    app: Any, signed_in: Any, owner: Any, count_rows: Any
) -> None:
    today = uk_today()
    earliest = services.earliest_recurring_start(today)  # always the 6th of April
    response = signed_in.submit(
        "/expenses/recurring/new", _recurring_form(start_date=earliest.isoformat())
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    expected = _months_due(earliest, today)
    assert expected <= services.MAX_CATCH_UP  # saving a schedule is never cut short
    assert count_rows(Expense, user_id=owner.id) == expected
    page = signed_in.get("/expenses/recurring").get_data(as_text=True)
    assert "More expenses are still due" not in page


def test_the_service_refuses_a_start_too_far_back(db: Any, owner: Any) -> None:
    with pytest.raises(services.ExpenseError) as refused:
        services.create_recurring(owner.id, _input(date(1900, 1, 1)))
    assert (refused.value.field, refused.value.code) == ("start_date", "start_too_early")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecurringExpense)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Expense)) == 0


def _long_idle(db: Any, owner: Any) -> RecurringExpense:
    """A monthly schedule from 1900 that has added nothing yet: one saved before the start
    date was limited, or started again after years stopped."""
    from minimin.core.db import commit

    rec = services.create_recurring(owner.id, _input(uk_today() + timedelta(days=30)))
    rec.start_date = rec.next_due = date(1900, 1, 1)
    commit(db.session)
    return rec


def test_a_kept_start_date_stays_when_other_fields_change(db: Any, owner: Any) -> None:
    rec = _long_idle(db, owner)
    services.update_recurring(rec, dataclasses.replace(services.recurring_input(rec), notes="Up"))
    assert (rec.start_date, rec.notes) == (date(1900, 1, 1), "Up")
    moved = dataclasses.replace(services.recurring_input(rec), start_date=date(1950, 1, 1))
    with pytest.raises(services.ExpenseError) as refused:
        services.update_recurring(rec, moved)
    assert refused.value.field == "start_date"


def test_one_catch_up_run_adds_a_bounded_number(db: Any, owner: Any) -> None:
    rec = _long_idle(db, owner)
    today = uk_today()
    assert services.create_due_for(rec, today) == services.MAX_CATCH_UP
    assert rec.next_due == date(1903, 1, 1)  # 36 months on: still due
    # The daily task carries on where it stopped, again a bounded number.
    assert services.create_due_expenses(user_id=owner.id) == services.MAX_CATCH_UP
    assert rec.next_due == date(1906, 1, 1)
    days = db.session.scalars(
        sa.select(Expense.period_date).where(Expense.recurring_id == rec.id)
    ).all()
    assert len(days) == len(set(days)) == 2 * services.MAX_CATCH_UP
    assert max(days) == date(1905, 12, 1)


def test_saving_a_long_idle_schedule_says_more_is_due(
    app: Any, db: Any, signed_in: Any, owner: Any, count_rows: Any
) -> None:
    rec = _long_idle(db, owner)
    form = _recurring_form(start_date="1900-01-01", notes="Started again")
    response = signed_in.submit(f"/expenses/recurring/{rec.id}/edit", form, follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Saved. 36 expenses already due were added." in page
    assert "More expenses are still due: they are added 36 at a time" in page
    assert count_rows(Expense, user_id=owner.id) == services.MAX_CATCH_UP
