"""What every expense service shares: the refusal (:class:`ExpenseError`), the closed-period
guard, the business's VAT status and the checks of one field each (a date, a text, an amount,
a percentage, one of the user's jobs), each answering the value as it is stored."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.core.user_error import UserError
from minimin.expenses.models import MAX_PENCE, Expense, Journey
from minimin.extensions import db


class ExpenseError(UserError):
    """Fields of an expense that cannot be accepted."""


# --------------------------------------------------------------------------- closed periods

#: The fields of an expense and of a journey that its journal entry depends on: a change to
#: any of them, in a closed period, would change figures already filed.
EXPENSE_POSTED_FIELDS = (
    "date",
    "category",
    "amount_pence",
    "currency",
    "vat_pence",
    "vat_treatment",
    "vat_reclaimable",
    "business_percent",
    "payment_method",
    "job_id",
    "warnings_confirmed",
)
JOURNEY_POSTED_FIELDS = ("date", "miles", "vehicle", "job_id")


def ensure_open(user_id: uuid.UUID, *days: dt.date | None) -> None:
    """Refuse (:class:`ExpenseError` on the date) a change dated in a closed period: the books
    are closed up to the latest filed VAT return or the year the user closed."""
    from minimin.ledger.posting import LedgerError
    from minimin.ledger.posting import ensure_open as ensure_ledger_open

    for day in sorted({d for d in days if d is not None}):
        try:
            ensure_ledger_open(db.session(), user_id, day)
        except LedgerError as exc:
            raise ExpenseError(exc.message, "date", code=exc.code) from exc


@contextmanager
def closed_figures_kept(row: Expense | Journey, fields: tuple[str, ...]) -> Iterator[None]:
    """Refuse a change to *row*'s posted figures when its old or new date is closed. The values
    are compared before and after the change, not read from the attributes' history: a query
    run while the change is applied (the job's owner, the VAT status) autoflushes it, and a
    flush clears that history."""
    before = [getattr(row, name) for name in fields]
    old_date = row.date
    yield
    if [getattr(row, name) for name in fields] != before:
        ensure_open(row.user_id, old_date, row.date)


# --------------------------------------------------------------------------- VAT


def vat_reclaim_allowed(user_id: uuid.UUID) -> bool:
    """Input VAT is reclaimable only for a VAT-registered business not on the Flat Rate Scheme."""
    from minimin.business.models import FLAT_RATE_SCHEMES, BusinessProfile

    profile = db.session.scalar(
        sa.select(BusinessProfile).where(BusinessProfile.user_id == user_id)
    )
    return bool(
        profile is not None
        and profile.vat_registered
        and profile.vat_scheme not in FLAT_RATE_SCHEMES
    )


def default_vat_reclaimable(user_id: uuid.UUID, vat_pence: int) -> bool:
    return vat_pence > 0 and vat_reclaim_allowed(user_id)


# --------------------------------------------------------------------------- checks


def checked_day(value: object, name: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ExpenseError(_l("Enter a date."), name)
    if not 1900 <= value.year <= 2100:
        raise ExpenseError(_l("Enter a year between 1900 and 2100."), name)
    return value


def checked_text(value: object, name: str, limit: int, *, required: bool = False) -> str:
    from minimin.core.forms import check_text

    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ExpenseError(_l("Enter text."), name)
    text = value.strip()
    problem = check_text(text, multiline=name == "notes")
    if problem:
        raise ExpenseError(problem, name)
    if len(text) > limit:
        raise ExpenseError(_l("Use at most %(max)d characters.", max=limit), name)
    if required and not text:
        raise ExpenseError(_l("This field is required."), name)
    return text


def checked_pence(value: object, name: str) -> int:
    # The inputs are typed; an internal caller's float or bool is still refused, not stored.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ExpenseError(_l("Enter an amount."), name)
    if value < 0:
        raise ExpenseError(_l("Enter an amount of zero or more."), name)
    if value > MAX_PENCE:
        raise ExpenseError(_l("Enter an amount no larger than £100,000,000."), name)
    return value


def checked_percent(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ExpenseError(_l("Enter a percentage from 0 to 100."), "business_percent")
    percent = Decimal(value)
    if not percent.is_finite() or not 0 <= percent <= 100:
        raise ExpenseError(_l("Enter a percentage from 0 to 100."), "business_percent")
    if percent != percent.quantize(Decimal("0.001")):
        raise ExpenseError(_l("Use at most 3 decimal places."), "business_percent")
    return percent.quantize(Decimal("0.001"))  # as stored, so what is answered is what is read


def checked_job_id(user_id: uuid.UUID, job_id: uuid.UUID | None) -> uuid.UUID | None:
    if job_id is None:
        return None
    from minimin.jobs.models import Job

    owner = db.session.scalar(sa.select(Job.user_id).where(Job.id == job_id))
    if owner != user_id:
        raise ExpenseError(_l("Choose one of your jobs."), "job_id")
    return job_id
