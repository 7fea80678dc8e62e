"""Usage / buyout licences: a reminder email before expiry, sent once per expiry date."""

from __future__ import annotations

from datetime import timedelta

from minimin.core.dates import uk_today
from tests.functional.jobs.conftest import job_form, only_job_id


def _usage_job(signed_in, client_id, expires_on):
    data = job_form(
        client_id=str(client_id),
        title="Perfume campaign",
        **{
            "fee_lines-1-kind": "usage",
            "fee_lines-1-description": "Usage buyout",
            "fee_lines-1-quantity": "1",
            "fee_lines-1-unit_amount": "2500",
            "fee_lines-1-media": "Online and print",
            "fee_lines-1-territory": "UK",
            "fee_lines-1-term": "12 months",
            "fee_lines-1-usage_expires_on": expires_on.isoformat(),
        },
    )
    response = signed_in.submit("/jobs/new", data)
    assert response.status_code == 302


def test_reminder_is_sent_once_before_expiry(app, signed_in, owner, make_client, mailbox):
    from minimin.extensions import db
    from minimin.jobs import services
    from minimin.jobs.models import FeeLine
    from minimin.jobs.tasks import usage_expiry_reminders

    today = uk_today()
    client_id = make_client(owner)
    _usage_job(signed_in, client_id, today + timedelta(days=20))
    job_id = only_job_id(app)

    with app.app_context():
        assert usage_expiry_reminders.apply().get() == 1
        assert usage_expiry_reminders.apply().get() == 0  # safe to run twice
    messages = mailbox.to(owner.email)
    assert len(messages) == 1
    text = mailbox.text(messages[0])
    assert "Perfume campaign" in messages[0]["Subject"]
    assert "in 20 days" in text and "Online and print" in text and f"/jobs/{job_id}" in text
    with app.app_context():
        line = db.session.query(FeeLine).filter_by(kind="usage").one()
        assert line.expiry_reminder_sent_at is not None
        assert line.expiry_reminder_sent_for == today + timedelta(days=20)
        # A renewal with a new expiry date reminds again, when that date comes near.
        line.usage_expires_on = today + timedelta(days=400)
        db.session.commit()
        assert services.send_usage_expiry_reminders(today) == 0
        assert services.send_usage_expiry_reminders(today + timedelta(days=380)) == 1
        db.session.commit()
    page = signed_in.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Renewal reminder sent on" in page


def test_no_reminder_far_from_expiry_after_it_or_for_cancelled_jobs(
    app, signed_in, owner, make_client, mailbox
):
    import sqlalchemy as sa

    from minimin.core import db as core_db
    from minimin.extensions import db
    from minimin.jobs import services
    from minimin.jobs.models import Job

    today = uk_today()
    client_id = make_client(owner)
    _usage_job(signed_in, client_id, today + timedelta(days=31))
    _usage_job(signed_in, client_id, today - timedelta(days=1))
    _usage_job(signed_in, client_id, today + timedelta(days=5))
    with app.app_context():
        cancelled = db.session.scalars(sa.select(Job).where(Job.ends_on.is_not(None))).all()
        job = next(
            j
            for j in cancelled
            if any(line.usage_expires_on == today + timedelta(days=5) for line in j.fee_lines)
        )
        services.change_status(job, services.StatusInput("cancelled"))
        core_db.commit(db.session)
        assert services.send_usage_expiry_reminders(today) == 0
        assert services.send_usage_expiry_reminders(today + timedelta(days=1)) == 1
        core_db.commit(db.session)
    assert len(mailbox.to(owner.email)) == 1
