"""Reminder wording is the user's text with ``{placeholder}`` names filled by plain substitution:
no expression language, so no wording can loop, reach Python objects or stall the shared job."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from minimin.invoices import wording
from minimin.invoices.reminders import DEFAULT_RULES, convert_stored_wordings
from tests.functional.invoices.conftest import draft_data, invoice_id_from

#: What the schedule held before placeholders (the defaults of that time, kept for conversion).
OLD_DEFAULT_BODY = (
    "Hello {{ customer }},\n\nInvoice {{ number }} is {{ days_late }} days overdue; "
    "{{ amount }} is outstanding.{% if interest %} Under the Late Payment of Commercial "
    "Debts (Interest) Act 1998 we are entitled to statutory interest (so far {{ interest }}) "
    "and fixed compensation of {{ compensation }}.{% endif %}\n\n{{ business }}"
)
#: Small ranges, so that the test finishes under Jinja too (the ones that stalled had 10^5 each).
NESTED_LOOPS = "{% for a in range(3) %}{% for b in range(3) %}x{% endfor %}{% endfor %}"


def _issued_invoice(client: Any, user: Any) -> str:
    r = client.submit(
        "/invoices/new",
        draft_data(
            user.client_id,
            [("Day", "1", "1000", "standard")],
            issue_date="2025-01-01",
            due_date="2025-01-31",
        ),
    )
    invoice_id = invoice_id_from(r)
    issue = client.submit(f"/invoices/{invoice_id}/issue", form_page=f"/invoices/{invoice_id}")
    assert issue.status_code == 302
    return invoice_id


def test_unknown_placeholders_and_expressions_are_refused_with_the_list(
    client: Any, business: Any, login: Any, app: Any
) -> None:
    from minimin.extensions import db
    from minimin.invoices.models import ReminderRule

    user = business()
    login(client, user)
    for subject, body, shown in [
        ("Pay {amount}", "ok", "{amount}"),
        ("ok", "{% for i in range(3) %}x{% endfor %}", "{%"),
        ("ok", "{{ config }}", "{{ config }}"),
        ("{{ ''.__class__.__mro__ }}", "ok", "__mro__"),
    ]:
        r = client.submit(
            "/invoices/reminders", {"offset_days": "9", "subject": subject, "body": body}
        )
        page = r.get_data(as_text=True)
        assert r.status_code == 400, subject
        assert "is not a placeholder" in page and shown in page
        # The message lists what may be used.
        assert "{invoice_number}" in page and "{days_overdue}" in page
    with app.app_context():
        offsets = db.session.scalars(
            sa.select(ReminderRule.offset_days).where(ReminderRule.user_id == user.id)
        ).all()
        assert 9 not in offsets  # nothing saved
    saved = client.submit(
        "/invoices/reminders",
        {"offset_days": "9", "subject": "Late: {invoice_number}", "body": "{amount_due} please"},
    )
    assert saved.status_code == 302


def test_a_stored_jinja_loop_is_sent_as_text_and_the_job_finishes(
    client: Any, business: Any, login: Any, app: Any, mailbox: Any
) -> None:
    """A wording saved under the old syntax (nested loops that once stalled the job for every
    user) is now text: nothing in it runs."""
    from minimin.core import db as core_db
    from minimin.extensions import db
    from minimin.invoices import reminders
    from minimin.invoices.models import ReminderRule

    user = business()
    login(client, user)
    _issued_invoice(client, user)
    with app.app_context():
        reminders.rules_for(user.id)
        rule = db.session.scalar(
            sa.select(ReminderRule).where(
                ReminderRule.user_id == user.id, ReminderRule.offset_days == 14
            )
        )
        assert rule is not None
        rule.body = "Invoice {invoice_number}. " + NESTED_LOOPS
        core_db.commit(db.session)
    with app.test_request_context():
        assert reminders.send_due_reminders(date(2025, 2, 14)) == 1
        core_db.commit(db.session)
    text = mailbox.text(mailbox.to("accounts@acme.example")[-1])
    assert NESTED_LOOPS in text and "xxx" not in text
    assert "{invoice_number}" not in text  # the placeholder beside it was filled


def test_old_jinja_wordings_are_converted_in_the_database(app: Any, business: Any, db: Any) -> None:
    from minimin.invoices.models import ReminderRule

    user = business()
    db.session.add_all(
        [
            ReminderRule(
                user_id=user.id,
                offset_days=14,
                subject="Second reminder: invoice {{ number }}",
                body=OLD_DEFAULT_BODY,
            ),
            ReminderRule(user_id=user.id, offset_days=40, subject="Loop", body=NESTED_LOOPS),
            ReminderRule(
                user_id=user.id, offset_days=50, subject="Plain {invoice_number}", body="As is"
            ),
        ]
    )
    db.session.commit()
    with db.engine.begin() as connection:
        assert convert_stored_wordings(connection) == 2
    db.session.expire_all()
    rules = {
        r.offset_days: r
        for r in db.session.scalars(sa.select(ReminderRule).where(ReminderRule.user_id == user.id))
    }
    assert rules[14].subject == "Second reminder: invoice {invoice_number}"
    assert rules[14].body == (
        "Hello {client_name},\n\nInvoice {invoice_number} is {days_overdue} days overdue; "
        "{amount_due} is outstanding. {late_payment_claim}\n\n{business_name}"
    )
    assert rules[40].body == "x"
    assert rules[50].subject == "Plain {invoice_number}" and rules[50].body == "As is"
    for rule in rules.values():
        assert not wording.unknown_placeholders(rule.subject + rule.body)
    with db.engine.begin() as connection:
        assert convert_stored_wordings(connection) == 0  # a second run changes nothing


def test_the_defaults_use_only_placeholders() -> None:
    for _offset, subject, body in DEFAULT_RULES:
        assert wording.unknown_placeholders(subject) == []
        assert wording.unknown_placeholders(body) == []


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80), st.text(max_size=20))
def test_filling_is_substitution_only(text: str, value: str) -> None:
    values = dict.fromkeys(wording.PLACEHOLDERS, value)
    filled = wording.fill(text, values)
    # Without a placeholder the text is returned as typed, whatever braces it holds.
    if not any("{" + name + "}" in text for name in wording.PLACEHOLDERS):
        assert filled == text
    # A value is never read as wording.
    assert wording.fill("{client_name}", {"client_name": "{invoice_number}"}) == (
        "{invoice_number}"
    )


def test_an_unused_id_is_not_a_wording() -> None:
    assert wording.fill("{client_name} {nope}", {"client_name": str(uuid.UUID(int=1))}) == (
        "00000000-0000-0000-0000-000000000001 {nope}"
    )
