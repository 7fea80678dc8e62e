"""Renewing a usage / buyout licence: from an invoiced job's page, a short form bills the
renewal as a new completed job (on the "to invoice" list, same agency and commission terms),
and the renewed line gets no more expiry reminders. Bad input changes nothing."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest

from minimin.core.dates import add_months, uk_today
from tests.functional.jobs.conftest import errors_of, job_count, job_form


def _move(client, job_id, status):
    return client.submit(f"/jobs/{job_id}/status", {"status": status}, form_page=f"/jobs/{job_id}")


def _usage_job(app, client, *, expires_on, invoice=True, status="completed", **contact):
    """A job with a day rate and a £2,500 usage line; completed (and invoiced) through the
    pages. Returns (job id, usage line id)."""
    from minimin.extensions import db
    from minimin.jobs.models import FeeLine, Job

    data = job_form(
        title="Perfume campaign",
        kind_of_work="advertising",
        **contact,
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
    response = client.submit("/jobs/new", data)
    assert response.status_code == 302, errors_of(response)
    job_id = uuid.UUID(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    moves = {"enquiry": [], "confirmed": ["confirmed"]}.get(status, ["confirmed", "completed"])
    for move in moves:
        assert _move(client, job_id, move).status_code == 302
    if invoice:
        response = client.submit("/invoices/from-jobs", {"job": str(job_id)})
        assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    with app.app_context():
        assert db.session.get(Job, job_id).status == ("invoiced" if invoice else status)
        line_id = db.session.query(FeeLine.id).filter_by(job_id=job_id, kind="usage").scalar()
    return job_id, line_id


def _renew_url(job_id, line_id):
    return f"/jobs/{job_id}/usage/{line_id}/renew"


def _input_value(page, name):
    match = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    assert match, f"no input {name}"
    value = re.search(r'\bvalue="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def _renewal_data(**overrides):
    data = {
        "description": "Usage buyout",
        "media": "Online and print",
        "territory": "UK",
        "term": "12 months",
        "fee": "3000",
        "expires_on": (uk_today() + timedelta(days=400)).isoformat(),
    }
    data.update(overrides)
    return data


@pytest.fixture
def agency_id(owner, make_agency):
    # 20 % for advertising (the agency's default is 10 %), VAT added to the commission.
    return make_agency(
        owner,
        rates={"advertising": "20"},
        default_commission_percent=Decimal("10"),
        commission_vat_added=True,
    )


def test_renewing_an_invoiced_usage_line_bills_a_new_job(app, signed_in, owner, agency_id, mailbox):
    from minimin.contacts.models import Agency, AgencyCommissionRate
    from minimin.extensions import db
    from minimin.jobs import services
    from minimin.jobs.models import FeeLine, Job
    from minimin.jobs.tasks import usage_expiry_reminders

    today = uk_today()
    old_expiry = today + timedelta(days=20)
    job_id, line_id = _usage_job(app, signed_in, expires_on=old_expiry, agency_id=str(agency_id))
    with app.app_context():
        assert line_id in {line.id for line in services.usage_lines_due(today)}
        # The agency's terms change after the booking: the renewal keeps the job's own.
        db.session.query(AgencyCommissionRate).update({"percent": Decimal("25")})
        db.session.get(Agency, agency_id).commission_vat_added = False
        db.session.commit()

    page = signed_in.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f'href="{_renew_url(job_id, line_id)}"' in page and "Renew usage" in page

    form = signed_in.get(_renew_url(job_id, line_id))
    assert form.status_code == 200
    form_page = form.get_data(as_text=True)
    assert _input_value(form_page, "description") == "Usage buyout"
    assert _input_value(form_page, "media") == "Online and print"
    assert _input_value(form_page, "territory") == "UK"
    assert _input_value(form_page, "term") == "12 months"
    assert Decimal(_input_value(form_page, "fee").replace(",", "")) == Decimal("2500")
    # The old expiry plus the same term again.
    assert _input_value(form_page, "expires_on") == add_months(old_expiry, 12).isoformat()
    assert re.search(r'<label for="fee">', form_page) and 'id="fee"' in form_page

    new_expiry = add_months(old_expiry, 12)
    response = signed_in.submit(
        _renew_url(job_id, line_id),
        _renewal_data(fee="3000", expires_on=new_expiry.isoformat(), media="Online only"),
    )
    assert response.status_code == 302, errors_of(response)
    renewal_id = uuid.UUID(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert renewal_id != job_id

    with app.app_context():
        renewal = db.session.get(Job, renewal_id)
        original = db.session.get(Job, job_id)
        assert renewal.title == "Usage renewal: Perfume campaign"
        assert renewal.status == "completed"
        assert (renewal.agency_id, renewal.client_id) == (agency_id, None)
        assert renewal.kind_of_work == "advertising"
        assert (renewal.commission_percent, renewal.commission_vat) == (Decimal("20"), True)
        assert renewal.quoting == original.quoting
        assert [d.day for d in renewal.dates] == [today]
        assert "Perfume campaign" in (renewal.notes or "")
        [line] = renewal.fee_lines
        assert (line.kind, line.description, line.quantity, line.amount_pence) == (
            "usage",
            "Usage buyout",
            Decimal(1),
            300000,
        )
        assert (line.media, line.territory, line.term, line.usage_expires_on) == (
            "Online only",
            "UK",
            "12 months",
            new_expiry,
        )
        assert line.commissionable and line.vat_applies
        assert [(c.from_status, c.to_status) for c in renewal.status_changes] == [
            (None, "completed")
        ]
        renewed = db.session.get(FeeLine, line_id)
        assert renewed.renewed_by_job_id == renewal_id
        assert renewed.usage_expires_on == old_expiry  # the invoiced record is unchanged
        assert original.status == "invoiced"

    # On the "to invoice" list: £3,000 less 20 % commission (£600) and VAT on it (£120).
    page = signed_in.get("/jobs/to-invoice").get_data(as_text=True)
    row = next(r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if "Usage renewal" in r)
    assert "£3,000.00" in row and "£2,280.00" in row, row
    renewal_page = signed_in.get(f"/jobs/{renewal_id}").get_data(as_text=True)
    assert f'href="/jobs/{job_id}"' in renewal_page  # "Renews the usage of …"

    # The renewed line gets no reminder; it is not offered for renewal again.
    with app.app_context():
        assert line_id not in {line.id for line in services.usage_lines_due(today)}
        assert usage_expiry_reminders.apply().get() == 0
    assert mailbox.to(owner.email) == []
    page = signed_in.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Renew usage" not in page and f'href="/jobs/{renewal_id}"' in page
    again = signed_in.get(_renew_url(job_id, line_id))
    assert again.status_code == 303
    response = signed_in.submit(
        _renew_url(job_id, line_id), _renewal_data(), form_page=f"/jobs/{job_id}"
    )
    assert response.status_code == 303
    assert "already been renewed" in signed_in.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert job_count(app) == 2

    # Deleting the renewal (not yet invoiced) makes the line renewable again.
    response = signed_in.submit(f"/jobs/{renewal_id}/delete", form_page=f"/jobs/{renewal_id}")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(FeeLine, line_id).renewed_by_job_id is None
    assert "Renew usage" in signed_in.get(f"/jobs/{job_id}").get_data(as_text=True)


def test_the_reminder_email_links_to_the_renewal_form(app, signed_in, owner, make_client, mailbox):
    from minimin.jobs.tasks import usage_expiry_reminders

    job_id, line_id = _usage_job(
        app,
        signed_in,
        expires_on=uk_today() + timedelta(days=10),
        client_id=str(make_client(owner)),
    )
    with app.app_context():
        assert usage_expiry_reminders.apply().get() == 1
    [message] = mailbox.to(owner.email)
    text = mailbox.text(message)
    link = re.search(r"https?://\S+(/jobs/\S+/renew)", text)
    assert link and link.group(1) == _renew_url(job_id, line_id), text
    assert signed_in.get(link.group(1)).status_code == 200


def _bad_expiry(old_expiry: date) -> dict[str, str]:
    today = uk_today()
    return {
        "before the old expiry": (old_expiry - timedelta(days=5)).isoformat(),
        "on the old expiry": old_expiry.isoformat(),
        "in the past": (today - timedelta(days=1)).isoformat(),
        "today": today.isoformat(),
        "30 February": f"30/02/{today.year + 2}",
    }


BAD_INPUT = [
    ("fee", "NaN", "not NaN or infinity"),
    ("fee", "Infinity", "not NaN or infinity"),
    ("fee", "1e3", "without an exponent"),
    ("fee", "12.345", "at most 2 decimal places"),
    ("fee", "-5", "zero or more"),
    ("fee", "0", "more than zero"),
    ("fee", "", "Enter the renewal fee."),
    ("fee", "99999999999999999999", "no larger than"),
    ("expires_on", "before the old expiry", "after the current one"),
    ("expires_on", "on the old expiry", "after the current one"),
    ("expires_on", "in the past", "must be in the future"),
    ("expires_on", "today", "must be in the future"),
    ("expires_on", "30 February", "does not exist"),
    ("expires_on", "", "Enter"),
    ("term", "x" * 201, "200 characters"),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD_INPUT)
def test_bad_renewal_input_is_refused_and_changes_nothing(
    app, signed_in, owner, make_client, name, value, message
):
    from minimin.extensions import db
    from minimin.jobs.models import FeeLine

    old_expiry = uk_today() + timedelta(days=40)
    job_id, line_id = _usage_job(
        app,
        signed_in,
        expires_on=old_expiry,
        invoice=False,
        client_id=str(make_client(owner)),
    )
    if name == "expires_on":
        value = _bad_expiry(old_expiry).get(value, value)
    response = signed_in.submit(_renew_url(job_id, line_id), _renewal_data(**{name: value}))
    assert response.status_code == 400
    assert message in errors_of(response), errors_of(response)
    assert f'id="{name}"' in response.get_data(as_text=True)
    assert job_count(app) == 1
    with app.app_context():
        assert db.session.get(FeeLine, line_id).renewed_by_job_id is None


def test_another_users_job_or_line_is_404(app, signed_in, owner, make_client, make_user, login):
    job_id, line_id = _usage_job(
        app,
        signed_in,
        expires_on=uk_today() + timedelta(days=40),
        client_id=str(make_client(owner)),
    )
    intruder = make_user(email=f"intruder-{uuid.uuid4().hex[:8]}@example.com")
    other = app.test_client()
    login(other, intruder)
    token = other.csrf_token("/jobs/new")
    url = _renew_url(job_id, line_id)
    assert other.get(url).status_code == 404
    assert other.post(url, data={"csrf_token": token, **_renewal_data()}).status_code == 404
    # The intruder's own job with the owner's line, and a made-up line of the owner's job.
    own_job, _own_line = _usage_job(
        app, other, expires_on=uk_today() + timedelta(days=40), client_id=str(make_client(intruder))
    )
    assert other.get(_renew_url(own_job, line_id)).status_code == 404
    assert signed_in.get(_renew_url(job_id, uuid.uuid4())).status_code == 404
    assert signed_in.get(_renew_url(job_id, "not-a-uuid")).status_code == 404
    assert job_count(app) == 2


def test_no_renew_action_without_an_agreed_usage_line(app, signed_in, owner, make_client):
    from minimin.extensions import db
    from minimin.jobs.models import FeeLine

    client_id = str(make_client(owner))
    # A completed job with only a day rate: no action, and the address refuses it.
    response = signed_in.submit("/jobs/new", job_form(client_id=client_id, title="Day job"))
    job_id = uuid.UUID(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    for status in ("confirmed", "completed"):
        _move(signed_in, job_id, status)
    assert "Renew usage" not in signed_in.get(f"/jobs/{job_id}").get_data(as_text=True)
    with app.app_context():
        day_line = db.session.query(FeeLine.id).filter_by(job_id=job_id).scalar()
    response = signed_in.submit(
        _renew_url(job_id, day_line), _renewal_data(), form_page=f"/jobs/{job_id}"
    )
    assert response.status_code == 303
    assert "Only a usage / buyout line" in signed_in.get(f"/jobs/{job_id}").get_data(as_text=True)

    # A usage line on a job still being arranged has not been agreed: not renewable yet.
    enquiry_id, usage_line = _usage_job(
        app,
        signed_in,
        expires_on=uk_today() + timedelta(days=40),
        invoice=False,
        status="confirmed",
        client_id=client_id,
    )
    assert "Renew usage" not in signed_in.get(f"/jobs/{enquiry_id}").get_data(as_text=True)
    assert signed_in.get(_renew_url(enquiry_id, usage_line)).status_code == 303
    assert job_count(app) == 2
