"""Recurring invoices: a source invoice is copied monthly or quarterly, as a draft or issued."""

from __future__ import annotations

import calendar
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from minimin.core.dates import add_months
from minimin.core.user_error import CONFLICT
from minimin.extensions import db
from minimin.invoices import services
from minimin.invoices.inputs import RecurringInput, SendInput
from minimin.invoices.models import RECUR_MONTHLY, RECUR_QUARTERLY, VOID, Invoice


def next_run(after: date, months: int, day: int | None) -> date:
    """The run *months* after the one on *after*, on the schedule's *day* of the month, or on
    the month's last day when it is shorter (31 January, 28 February, 31 March...). Without a
    day (schedules made before it was kept), *after*'s own day."""
    moved = add_months(after, months)
    if day is None:
        return moved
    return moved.replace(day=min(day, calendar.monthrange(moved.year, moved.month)[1]))


def configure(invoice: Invoice, data: RecurringInput) -> None:
    """Make *invoice* repeat as *data* says, or stop it repeating."""
    recurrence, next_on = data.recurrence, data.next_on
    if recurrence is None:
        invoice.recurrence = None
        invoice.recurrence_next_on = None
        invoice.recurrence_issue = False
        invoice.recurrence_day = None
        return
    if recurrence not in (RECUR_MONTHLY, RECUR_QUARTERLY):
        raise services.InvoiceError(_("Choose monthly or quarterly."), "recurrence")
    if invoice.status == VOID:
        raise services.InvoiceError(_("A voided invoice cannot repeat."), code=CONFLICT)
    if not invoice.lines:
        raise services.InvoiceError(
            _("Add lines to the invoice before making it repeat."), code=CONFLICT
        )
    today = services.today_london()
    if next_on is None:
        next_on = add_months(today, 1 if recurrence == RECUR_MONTHLY else 3)
    if next_on < today:
        raise services.InvoiceError(_("The next invoice date cannot be in the past."), "next_on")
    invoice.recurrence = recurrence
    invoice.recurrence_next_on = next_on
    invoice.recurrence_day = next_on.day
    invoice.recurrence_issue = data.issue_automatically


def run_due(today: date | None = None) -> int:
    """Make the copies whose day has come; safe to run twice (the date moves on with the copy)."""
    today = today or services.today_london()
    query = (
        sa.select(Invoice)
        .where(Invoice.recurrence.is_not(None), Invoice.recurrence_next_on <= today)
        .order_by(Invoice.recurrence_next_on)
        .limit(500)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    made = 0
    for source in db.session.scalars(query).all():
        step = 1 if source.recurrence == RECUR_MONTHLY else 3
        while source.recurrence_next_on is not None and source.recurrence_next_on <= today:
            run_on = source.recurrence_next_on
            copy = services.duplicate(source)
            copy.recurring_source_id = source.id
            copy.issue_date = run_on
            source.recurrence_next_on = next_run(run_on, step, source.recurrence_day)
            if source.recurrence_issue:
                try:
                    with db.session.begin_nested():
                        services.issue(copy, today=run_on)
                        _email_customer(copy)
                except services.InvoiceError:
                    pass  # left as a draft for the user to finish
            made += 1
    db.session.flush()
    return made


def _email_customer(invoice: Invoice) -> None:
    from flask import current_app

    from minimin.accounts.models import User
    from minimin.invoices.emails import send_invoice

    to = (invoice.customer_snapshot or {}).get("email")
    if not to:
        return
    owner = db.session.get(User, invoice.user_id)
    current_app.logger.info("recurring invoice %s sent", invoice.id)
    send_invoice(invoice, SendInput(to=to), owner_email=owner.email if owner else None)
