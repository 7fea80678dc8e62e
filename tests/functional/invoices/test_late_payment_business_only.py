"""Statutory late-payment interest and fixed compensation (Late Payment of Commercial Debts
(Interest) Act 1998) are claimed from business customers only: a private individual's overdue
invoice is chased without them, in the reminders and on the invoice PDF."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any

import pdfplumber
import pytest
import time_machine

from tests.functional.invoices.conftest import draft_data, invoice_id_from

CLAIM_RULE = "Interest: [{interest}] Compensation: [{compensation}] Claim: [{claim_total}]"


def _run_reminders_task(app: Any) -> int:
    """The "invoice-reminders" periodic job, run as the scheduler runs it (no request)."""
    from minimin.core.tasks import PERIODIC
    from minimin.extensions import celery

    task_name, _every = PERIODIC["invoice-reminders"]
    with app.app_context():
        result = celery.tasks[task_name].apply()
    if not result.successful():
        raise AssertionError(f"the reminders task failed: {result.result!r}") from result.result
    return int(result.result)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


def _pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        # Words only: a sentence may wrap onto the next line of the page.
        return " ".join(" ".join(page.extract_text() or "" for page in pdf.pages).split())


@pytest.mark.parametrize("kind", ["individual", "company"])
def test_overdue_reminders_claim_interest_and_compensation_only_from_businesses(
    client: Any, business: Any, login: Any, app: Any, mailbox: Any, kind: str
) -> None:
    user = business()
    email = f"{kind}@customer.example"
    with time_machine.travel(_at(date(2025, 1, 1)), tick=False) as traveller:
        login(client, user)
        # The client is recorded through the client form, as a private individual or a business.
        r = client.submit(
            "/clients/new",
            {
                "name": "Jo Private" if kind == "individual" else "Jo Trading Ltd",
                "kind": kind,
                "email": email,
                "address_line1": "3 Low Road",
                "town": "York",
                "postcode": "YO1 7HH",
                "country": "GB",
            },
        )
        assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
        contact_id = r.headers["Location"].rsplit("/", 1)[1]
        # A reminder 20 days late that prints the claim placeholders whatever they hold.
        r = client.submit(
            "/invoices/reminders",
            {"offset_days": "20", "subject": "Claim {invoice_number}", "body": CLAIM_RULE},
        )
        assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
        # £1,000 + VAT = £1,200, due 31 January 2025 (the existing business case's figures).
        r = client.submit(
            "/invoices/new",
            {
                **draft_data(contact_id, [("Day", "1", "1000", "standard")]),
                "issue_date": "2025-01-01",
                "due_date": "2025-01-31",
            },
        )
        invoice_id = invoice_id_from(r)
        r = client.submit(f"/invoices/{invoice_id}/issue", form_page=f"/invoices/{invoice_id}")
        assert r.status_code == 302
        pdf = _pdf_text(client.get(f"/invoices/{invoice_id}/pdf").data)

        traveller.move_to(_at(date(2025, 2, 14)))  # 14 days late
        assert _run_reminders_task(app) == 1
        traveller.move_to(_at(date(2025, 2, 20)))  # 20 days late
        assert _run_reminders_task(app) == 1

    second, claim = (mailbox.text(m) for m in mailbox.to(email))
    assert "14 days overdue" in second and "£1,200.00 is outstanding" in second
    if kind == "individual":
        for text in (second, pdf):
            assert "Late Payment" not in text
            assert "interest" not in text.lower()
            assert "compensation" not in text.lower()
        assert "£5.87" not in second and "£70.00" not in second
        assert "Interest: [] Compensation: [] Claim: []" in claim
    else:
        # base rate 4.75% on 31 Dec 2024 -> 12.75% a year: 14 days £5.87, 20 days £8.38.
        assert "Late Payment of Commercial Debts (Interest) Act 1998" in second
        assert "£5.87" in second and "£70.00" in second
        assert "Interest: [£8.38] Compensation: [£70.00] Claim: [£78.38]" in claim
        assert "Late Payment of Commercial Debts (Interest) Act 1998" in pdf
