"""Payment reminders: a user-editable schedule around the due date, sent by a periodic job.

Wording is the user's own text with placeholders such as ``{invoice_number}``, filled by plain
substitution (:mod:`minimin.invoices.wording`): no expression language, so a wording can neither
reach the application nor another invoice, nor take longer to fill than its length. Business
customers are told the statutory interest and fixed compensation they owe under the Late
Payment of Commercial Debts (Interest) Act 1998 (``{late_payment_claim}``).
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from minimin.core.db import utcnow
from minimin.core.mail import queue_email
from minimin.core.money import Money
from minimin.extensions import db
from minimin.invoices import late_payment, services, wording
from minimin.invoices.inputs import ReminderPauseInput, ReminderRuleInput, ReminderRuleStateInput
from minimin.invoices.models import OPEN_STATUSES, Invoice, InvoiceEmail, ReminderRule, ReminderSent
from minimin.invoices.pdf import money

log = logging.getLogger(__name__)

#: A reminder missed (the job did not run) is still sent up to this many days late.
CATCH_UP_DAYS = 7
PLACEHOLDERS = wording.PLACEHOLDERS

DEFAULT_RULES: tuple[tuple[int, str, str], ...] = (
    (
        -3,
        "Invoice {invoice_number} is due on {due_date}",
        "Hello {client_name},\n\nA friendly reminder that invoice {invoice_number} for "
        "{amount_due} is due on {due_date}.\n\nThank you,\n{business_name}",
    ),
    (
        1,
        "Invoice {invoice_number} is now overdue",
        "Hello {client_name},\n\nInvoice {invoice_number} for {amount_due} was due on "
        "{due_date} and has not been paid yet. Please arrange payment.\n\n{business_name}",
    ),
    (
        14,
        "Second reminder: invoice {invoice_number}",
        "Hello {client_name},\n\nInvoice {invoice_number} is {days_overdue} days overdue; "
        "{amount_due} is outstanding. {late_payment_claim}\n\n{business_name}",
    ),
    (
        30,
        "Final reminder: invoice {invoice_number}",
        "Hello {client_name},\n\nInvoice {invoice_number} is {days_overdue} days overdue. "
        "{amount_due} is outstanding. {late_payment_claim}\n\n{business_name}",
    ),
)


def check_wording(text: str) -> str | None:
    """Why *text* cannot be used as reminder wording, or None."""
    unknown = wording.unknown_placeholders(text)
    if not unknown:
        return None
    return _(
        "%(unknown)s is not a placeholder. Placeholders are a name in single braces, one of: "
        "%(names)s.",
        unknown=", ".join(unknown),
        names=", ".join("{" + name + "}" for name in PLACEHOLDERS),
    )


def convert_stored_wordings(connection: sa.Connection) -> int:
    """Rewrite every stored reminder wording still in the old Jinja syntax with placeholders
    (:func:`minimin.invoices.wording.from_jinja`); returns how many rules changed. Written for
    a data migration: it needs only a connection, not the application."""
    rules = sa.table(
        "invoice_reminder_rule",
        sa.column("id", sa.Uuid),
        sa.column("subject", sa.String),
        sa.column("body", sa.Text),
    )
    changed = 0
    rows = connection.execute(sa.select(rules.c.id, rules.c.subject, rules.c.body)).all()
    for rule_id, subject, body in rows:
        if not (wording.is_jinja(subject) or wording.is_jinja(body)):
            continue
        connection.execute(
            rules.update()
            .where(rules.c.id == rule_id)
            .values(subject=wording.from_jinja(subject)[:200], body=wording.from_jinja(body))
        )
        changed += 1
    return changed


def rules_for(user_id: uuid.UUID) -> list[ReminderRule]:
    """The user's schedule; the defaults are written the first time it is needed."""
    rules = list(
        db.session.scalars(
            sa.select(ReminderRule)
            .where(ReminderRule.user_id == user_id)
            .order_by(ReminderRule.offset_days)
        )
    )
    if rules:
        return rules
    for offset, subject, body in DEFAULT_RULES:
        rule = ReminderRule(user_id=user_id, offset_days=offset, subject=subject, body=body)
        db.session.add(rule)
        rules.append(rule)
    db.session.flush()
    return rules


#: How far from the due date a reminder may be sent (the table's check says the same).
OFFSET_RANGE = (-60, 365)


def save_rule(user_id: uuid.UUID, data: ReminderRuleInput) -> ReminderRule:
    """Set the reminder sent ``offset_days`` from the due date (a new one, or the one already
    at that offset) and turn it on."""
    low, high = OFFSET_RANGE
    if not low <= data.offset_days <= high:
        raise services.InvoiceError(
            _("Enter a whole number of days from -60 to 365."), "offset_days"
        )
    for field, text in (("subject", data.subject), ("body", data.body)):
        problem = check_wording(text)
        if problem:
            raise services.InvoiceError(problem, field)
    rule = next((r for r in rules_for(user_id) if r.offset_days == data.offset_days), None)
    if rule is None:
        rule = ReminderRule(user_id=user_id, offset_days=data.offset_days)
        db.session.add(rule)
    rule.subject = data.subject
    rule.body = data.body
    rule.enabled = True
    db.session.flush()
    return rule


def set_rule_state(rule: ReminderRule, data: ReminderRuleStateInput) -> None:
    """Turn one reminder off, or back on."""
    rule.enabled = data.enabled


def pause(invoice: Invoice, data: ReminderPauseInput) -> None:
    """Pause the reminders of one invoice, or resume them."""
    invoice.reminders_paused = data.paused


def delete_rule(rule: ReminderRule) -> None:
    db.session.delete(rule)
    db.session.flush()


def late_claim(invoice: Invoice, today: date) -> late_payment.LatePaymentClaim | None:
    """Statutory interest and compensation, for business customers in sterling once late."""
    customer = invoice.customer_snapshot or {}
    if not customer.get("is_business", True) or invoice.due_date is None:
        return None
    if invoice.currency != "GBP" or today <= invoice.due_date:
        return None
    debt = Money.from_pence(invoice.outstanding_pence, "GBP")
    return late_payment.claim_on(debt, invoice.due_date, today)


def reminder_values(invoice: Invoice, today: date) -> dict[str, str]:
    """The value of every placeholder for *invoice* on *today*, as plain text."""
    from minimin.invoices.emails import invoice_context

    context = invoice_context(invoice)
    claim = late_claim(invoice, today)
    days = max(0, (today - invoice.due_date).days) if invoice.due_date else 0
    values = {
        "client_name": context["customer"],
        "invoice_number": context["number"] or "",
        "amount_due": context["amount"],
        "invoice_total": context["total"],
        "due_date": context["due_date"],
        "days_overdue": str(days),
        "business_name": context["business"],
        "payment_link": context["link"],
        "interest": money(claim.interest.pence) if claim else "",
        "compensation": money(claim.compensation.pence) if claim and claim.compensation else "",
        "claim_total": money(claim.total.pence) if claim else "",
        "reference_rate": f"{claim.reference_rate}%" if claim else "",
        "reference_date": (
            claim.reference_date.strftime("%d/%m/%Y") if claim and claim.reference_date else ""
        ),
        "interest_rate": f"{claim.annual_rate}%" if claim else "",
    }
    values["late_payment_claim"] = _claim_sentence(values) if claim else ""
    return values


def _claim_sentence(values: dict[str, str]) -> str:
    """What ``{late_payment_claim}`` says to a business customer who pays late."""
    if values["compensation"]:
        return _(
            "Under the Late Payment of Commercial Debts (Interest) Act 1998 we are entitled to "
            "statutory interest (so far %(interest)s, at %(rate)s a year: the Bank of England "
            "base rate of %(base)s on %(date)s plus 8%%) and fixed compensation of "
            "%(compensation)s: %(total)s in addition to the invoice.",
            interest=values["interest"],
            rate=values["interest_rate"],
            base=values["reference_rate"],
            date=values["reference_date"],
            compensation=values["compensation"],
            total=values["claim_total"],
        )
    return _(
        "Under the Late Payment of Commercial Debts (Interest) Act 1998 we are entitled to "
        "statutory interest (so far %(interest)s, at %(rate)s a year: the Bank of England base "
        "rate of %(base)s on %(date)s plus 8%%).",
        interest=values["interest"],
        rate=values["interest_rate"],
        base=values["reference_rate"],
        date=values["reference_date"],
    )


def send_due_reminders(today: date | None = None) -> int:
    """Send every reminder whose day has come (at most once per invoice and step)."""
    today = today or services.today_london()
    earliest_due = today - timedelta(days=365 + CATCH_UP_DAYS)
    invoices = db.session.scalars(
        sa.select(Invoice).where(
            Invoice.status.in_(OPEN_STATUSES),
            Invoice.reminders_paused.is_(False),
            Invoice.due_date.is_not(None),
            Invoice.due_date >= earliest_due,
            Invoice.due_date <= today + timedelta(days=60),
        )
    ).all()
    sent = 0
    rules_cache: dict[uuid.UUID, list[ReminderRule]] = {}
    for invoice in invoices:
        try:
            with db.session.begin_nested():
                sent += _remind(invoice, rules_cache, today)
        except Exception:
            # One invoice's bad data must not cost every other user their reminders: its
            # savepoint is rolled back and the run goes on.
            log.exception("reminder for invoice %s failed", invoice.id)
            rules_cache.pop(invoice.user_id, None)
    return sent


def _remind(invoice: Invoice, rules_cache: dict[uuid.UUID, list[ReminderRule]], today: date) -> int:
    """Send *invoice*'s latest due reminder step; 1 if one was sent."""
    to = (invoice.customer_snapshot or {}).get("email")
    if not to or invoice.outstanding_pence <= 0 or invoice.due_date is None:
        return 0
    if invoice.user_id not in rules_cache:
        rules_cache[invoice.user_id] = rules_for(invoice.user_id)
    done = set(
        db.session.scalars(
            sa.select(ReminderSent.offset_days).where(ReminderSent.invoice_id == invoice.id)
        )
    )
    # Only the latest step that is due is sent: a customer never gets three at once.
    due_rules = [
        r
        for r in rules_cache[invoice.user_id]
        if r.enabled
        and r.offset_days not in done
        and 0 <= (today - (invoice.due_date + timedelta(days=r.offset_days))).days <= CATCH_UP_DAYS
    ]
    if not due_rules:
        return 0
    rule = max(due_rules, key=lambda r: r.offset_days)
    return 1 if _send(invoice, rule, to, today) else 0


def _send(invoice: Invoice, rule: ReminderRule, to: str, today: date) -> bool:
    from minimin.invoices.emails import on_behalf

    values = reminder_values(invoice, today)
    marker = ReminderSent(
        user_id=invoice.user_id,
        invoice_id=invoice.id,
        offset_days=rule.offset_days,
        sent_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(marker)
            db.session.flush()
    except sa.exc.IntegrityError:
        return False  # another run sent this step
    email = queue_email(
        to=to,
        template="reminder",
        context={
            "subject": wording.fill(rule.subject, values)[:300],
            "body": wording.fill(rule.body, values),
            "link": values["payment_link"],
        },
        user_id=invoice.user_id,
        **on_behalf(invoice.user_id),
    )
    marker.email_id = email.id
    db.session.add(
        InvoiceEmail(
            user_id=invoice.user_id, invoice_id=invoice.id, email_id=email.id, kind="reminder"
        )
    )
    db.session.flush()
    return True
