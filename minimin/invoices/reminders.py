"""Payment reminders: a user-editable schedule around the due date, sent by a periodic job.

Wording is the user's own text with placeholders such as ``{{ number }}``; it is rendered in
Jinja's sandbox with a fixed set of plain values, so a template can neither reach the
application nor another invoice. Business customers are told the statutory interest and fixed
compensation they owe under the Late Payment of Commercial Debts (Interest) Act 1998.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from minimin.core.db import utcnow
from minimin.core.mail import queue_email
from minimin.core.money import Money
from minimin.extensions import db
from minimin.invoices import late_payment, services
from minimin.invoices.models import OPEN_STATUSES, Invoice, InvoiceEmail, ReminderRule, ReminderSent
from minimin.invoices.pdf import money

#: A reminder missed (the job did not run) is still sent up to this many days late.
CATCH_UP_DAYS = 7
PLACEHOLDERS = (
    "number",
    "customer",
    "business",
    "amount",
    "total",
    "due_date",
    "days_late",
    "interest",
    "compensation",
    "claim_total",
    "reference_rate",
    "reference_date",
    "interest_rate",
    "link",
)

DEFAULT_RULES: tuple[tuple[int, str, str], ...] = (
    (
        -3,
        "Invoice {{ number }} is due on {{ due_date }}",
        "Hello {{ customer }},\n\nA friendly reminder that invoice {{ number }} for {{ amount }} "
        "is due on {{ due_date }}.\n\nThank you,\n{{ business }}",
    ),
    (
        1,
        "Invoice {{ number }} is now overdue",
        "Hello {{ customer }},\n\nInvoice {{ number }} for {{ amount }} was due on "
        "{{ due_date }} and has not been paid yet. Please arrange payment.\n\n{{ business }}",
    ),
    (
        14,
        "Second reminder: invoice {{ number }}",
        "Hello {{ customer }},\n\nInvoice {{ number }} is {{ days_late }} days overdue; "
        "{{ amount }} is outstanding.{% if interest %} Under the Late Payment of Commercial "
        "Debts (Interest) Act 1998 we are entitled to statutory interest (so far {{ interest }}, "
        "at {{ interest_rate }} a year: the Bank of England base rate of {{ reference_rate }} "
        "on {{ reference_date }} plus 8%) and fixed compensation of {{ compensation }}."
        "{% endif %}\n\n{{ business }}",
    ),
    (
        30,
        "Final reminder: invoice {{ number }}",
        "Hello {{ customer }},\n\nInvoice {{ number }} is {{ days_late }} days overdue. "
        "{{ amount }} is outstanding.{% if interest %} Statutory interest to date is "
        "{{ interest }} (at {{ interest_rate }} a year: the base rate of {{ reference_rate }} on "
        "{{ reference_date }} plus 8%) and fixed compensation {{ compensation }}: "
        "{{ claim_total }} in addition to the invoice.{% endif %}\n\n{{ business }}",
    ),
)

_SANDBOX = SandboxedEnvironment(autoescape=False)


def check_wording(text: str) -> str | None:
    """Why *text* cannot be used as reminder wording, or None."""
    try:
        _SANDBOX.from_string(text).render(**dict.fromkeys(PLACEHOLDERS, "x"))
    except TemplateError:
        return _(
            "The wording has a mistake in a {{ placeholder }}. Available: %(names)s.",
            names=", ".join(PLACEHOLDERS),
        )
    return None


def _render(text: str, values: dict[str, Any]) -> str:
    try:
        return _SANDBOX.from_string(text).render(**values)
    except TemplateError:
        return text


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


def late_claim(invoice: Invoice, today: date) -> late_payment.LatePaymentClaim | None:
    """Statutory interest and compensation, for business customers in sterling once late."""
    customer = invoice.customer_snapshot or {}
    if not customer.get("is_business", True) or invoice.due_date is None:
        return None
    if invoice.currency != "GBP" or today <= invoice.due_date:
        return None
    debt = Money.from_pence(invoice.outstanding_pence, "GBP")
    return late_payment.claim_on(debt, invoice.due_date, today)


def reminder_values(invoice: Invoice, today: date) -> dict[str, Any]:
    from minimin.invoices.emails import invoice_context

    values = invoice_context(invoice)
    claim = late_claim(invoice, today)
    days = max(0, (today - invoice.due_date).days) if invoice.due_date else 0
    values.update(
        days_late=days,
        interest=money(claim.interest.pence) if claim else "",
        compensation=money(claim.compensation.pence) if claim and claim.compensation else "",
        claim_total=money(claim.total.pence) if claim else "",
        reference_rate=f"{claim.reference_rate}%" if claim else "",
        reference_date=(
            claim.reference_date.strftime("%d/%m/%Y") if claim and claim.reference_date else ""
        ),
        interest_rate=f"{claim.annual_rate}%" if claim else "",
    )
    return values


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
        to = (invoice.customer_snapshot or {}).get("email")
        if not to or invoice.outstanding_pence <= 0:
            continue
        rules = rules_cache.setdefault(invoice.user_id, rules_for(invoice.user_id))
        done = set(
            db.session.scalars(
                sa.select(ReminderSent.offset_days).where(ReminderSent.invoice_id == invoice.id)
            )
        )
        assert invoice.due_date is not None
        # Only the latest step that is due is sent: a customer never gets three at once.
        due_rules = [
            r
            for r in rules
            if r.enabled
            and r.offset_days not in done
            and 0
            <= (today - (invoice.due_date + timedelta(days=r.offset_days))).days
            <= CATCH_UP_DAYS
        ]
        if not due_rules:
            continue
        rule = max(due_rules, key=lambda r: r.offset_days)
        if _send(invoice, rule, to, today):
            sent += 1
    return sent


def _send(invoice: Invoice, rule: ReminderRule, to: str, today: date) -> bool:
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
            "subject": _render(rule.subject, values)[:300],
            "body": _render(rule.body, values),
            "link": values["link"],
        },
        user_id=invoice.user_id,
    )
    marker.email_id = email.id
    db.session.add(
        InvoiceEmail(
            user_id=invoice.user_id, invoice_id=invoice.id, email_id=email.id, kind="reminder"
        )
    )
    db.session.flush()
    return True
