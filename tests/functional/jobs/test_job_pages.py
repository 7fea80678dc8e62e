"""Booking, editing, repeating rows, status changes, the list, calendar and to-invoice pages."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.functional.jobs.conftest import errors_of, job_count, job_form, only_job_id


def _job(app, job_id):
    from sqlalchemy.orm import selectinload

    from minimin.extensions import db
    from minimin.jobs.models import Job

    with app.app_context():
        job = db.session.scalar(
            sa.select(Job)
            .where(Job.id == job_id)
            .options(
                selectinload(Job.fee_lines),
                selectinload(Job.dates),
                selectinload(Job.status_changes),
            )
        )
        db.session.expunge_all()
        return job


def test_jobs_page_is_in_the_navigation_and_needs_sign_in(client, signed_in):
    page = signed_in.get("/jobs").get_data(as_text=True)
    assert 'href="/jobs"' in page and "You have no jobs yet" in page
    signed_in.post("/logout", data={"csrf_token": signed_in.csrf_token("/jobs")})
    response = client.get("/jobs")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_direct_job_with_several_days_and_lines(app, signed_in, owner, make_client):
    client_id = make_client(owner)
    data = job_form(
        client_id=str(client_id),
        **{
            "dates-1-day": "2026-11-12",
            "dates-1-starts_at": "09:00",
            "dates-1-ends_at": "17:30",
            "fee_lines-0-quantity": "2",
            "fee_lines-0-unit_amount": "£450.50",
            "fee_lines-1-kind": "expenses",
            "fee_lines-1-description": "Train to Leeds",
            "fee_lines-1-quantity": "1",
            "fee_lines-1-unit_amount": "83.20",
            "fee_lines-2-kind": "hourly",
            "fee_lines-2-quantity": "2.5",
            "fee_lines-2-unit_amount": "33.33",
        },
    )
    response = signed_in.submit("/jobs/new", data)
    assert response.status_code == 302, errors_of(response)
    job = _job(app, only_job_id(app))
    assert job.client_id == client_id and job.agency_id is None
    assert (job.starts_on.isoformat(), job.ends_on.isoformat()) == ("2026-11-10", "2026-11-12")
    assert [d.starts_at.isoformat() if d.starts_at else None for d in job.dates] == [
        None,
        "09:00:00",
    ]
    amounts = [
        (line.kind, line.amount_pence, line.commissionable, line.vat_applies)
        for line in job.fee_lines
    ]
    # 2.5 × £33.33 = £83.325 → £83.33 (half-up); expenses carry no commission, but the
    # job's VAT like the fee (a cost charged on is part of the supply, VAT Notice 700 s. 25).
    assert amounts == [
        ("day_rate", 90100, True, True),
        ("expenses", 8320, False, True),
        ("hourly", 8333, True, True),
    ]
    assert [(c.from_status, c.to_status) for c in job.status_changes] == [(None, "enquiry")]
    page = signed_in.get(f"/jobs/{job.id}").get_data(as_text=True)
    # A direct job: no commission, expected net = gross.
    assert "£1,067.53" in page and 'id="total-commission"' not in page


def test_agency_rate_for_the_kind_of_work_and_per_job_override(app, signed_in, owner, make_agency):
    agency = make_agency(owner, default_commission_percent=Decimal("20"), rates={"editorial": "10"})
    response = signed_in.submit(
        "/jobs/new", job_form(agency_id=str(agency), kind_of_work="editorial")
    )
    assert response.status_code == 302
    job = _job(app, only_job_id(app))
    assert job.commission_percent == Decimal("10") and job.commission_vat is False
    page = signed_in.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "£100.00" in page and "£900.00" in page

    # Editing keeps the job's own terms; a typed rate overrides them for this job only.
    edit = signed_in.get(f"/jobs/{job.id}/edit").get_data(as_text=True)
    assert 'value="10"' in edit
    response = signed_in.submit(
        f"/jobs/{job.id}/edit",
        job_form(
            agency_id=str(agency),
            kind_of_work="editorial",
            commission_percent="12.5",
            commission_vat="yes",
        ),
    )
    assert response.status_code == 302
    job = _job(app, job.id)
    assert job.commission_percent == Decimal("12.5") and job.commission_vat is True
    page = signed_in.get(f"/jobs/{job.id}").get_data(as_text=True)
    # £125 commission + £25 VAT on it → £850.
    assert "£125.00" in page and "£25.00" in page and "£850.00" in page


def test_fee_plus_agency_fee_quoting(app, signed_in, owner, make_agency):
    agency = make_agency(
        owner,
        default_commission_percent=Decimal("20"),
        quoting="fee_plus_agency_fee",
        agency_fee_percent=Decimal("20"),
    )
    response = signed_in.submit("/jobs/new", job_form(agency_id=str(agency)))
    assert response.status_code == 302
    job_id = only_job_id(app)
    page = signed_in.get(f"/jobs/{job_id}").get_data(as_text=True)
    # £1,000 fee + £200 agency fee = £1,200 gross; 20% commission on £1,200 = £240 → £960.
    assert 'id="total-agency-fee">£200.00' in page
    assert 'id="total-gross">£1,200.00' in page
    assert "£240.00" in page and "£960.00" in page


def test_rows_are_added_and_removed_on_the_server_without_storing(app, signed_in):
    page = signed_in.get("/jobs/new").get_data(as_text=True)
    assert 'name="fee_lines-0-unit_amount"' in page and 'name="fee_lines-1-kind"' not in page
    response = signed_in.submit("/jobs/new", job_form(action="add_line"), form_page="/jobs/new")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="fee_lines-1-kind"' in page and "There is a problem" not in page
    response = signed_in.submit("/jobs/new", job_form(action="add_date"))
    assert 'name="dates-1-day"' in response.get_data(as_text=True)
    data = job_form(
        **{
            "action": "remove_line:0",
            "fee_lines-1-kind": "fixed",
            "fee_lines-1-quantity": "1",
            "fee_lines-1-unit_amount": "77",
        }
    )
    page = signed_in.submit("/jobs/new", data).get_data(as_text=True)
    assert re.search(r'<input[^>]*name="fee_lines-0-unit_amount"[^>]*value="77"', page)
    assert 'value="1000"' not in page and 'name="fee_lines-1-kind"' not in page
    assert job_count(app) == 0


def test_blank_fee_rows_are_ignored_and_a_date_is_required(app, signed_in, owner, make_client):
    client_id = make_client(owner)
    response = signed_in.submit(
        "/jobs/new",
        job_form(
            client_id=str(client_id),
            **{
                "fee_lines-0-description": "",
                "fee_lines-0-quantity": "",
                "fee_lines-0-unit_amount": "",
            },
        ),
    )
    assert response.status_code == 302
    assert _job(app, only_job_id(app)).fee_lines == []
    response = signed_in.submit(
        "/jobs/new", job_form(client_id=str(client_id), **{"dates-0-day": ""})
    )
    assert response.status_code == 400
    assert "Enter the date." in response.get_data(as_text=True)
    assert job_count(app) == 1


def test_a_client_or_agency_is_required(app, signed_in):
    response = signed_in.submit("/jobs/new", job_form())
    assert response.status_code == 400
    assert "Choose a client, an agency or both." in response.get_data(as_text=True)
    assert job_count(app) == 0


def test_status_workflow_history_and_refusals(app, signed_in, owner, make_client):
    signed_in.submit("/jobs/new", job_form(client_id=str(make_client(owner))))
    job_id = only_job_id(app)
    status_url = f"/jobs/{job_id}/status"

    def move(status, **extra):
        return signed_in.submit(
            status_url, {"status": status, **extra}, form_page=f"/jobs/{job_id}"
        )

    response = move("completed")
    assert response.status_code == 400
    assert "cannot move from Enquiry to Completed" in response.get_data(as_text=True)
    response = move("invoiced")
    assert response.status_code == 400
    assert "through its invoice" in response.get_data(as_text=True)
    response = move("no-such-status")
    assert response.status_code == 400 and "Choose a status" in response.get_data(as_text=True)
    for status in ("option_first", "option_second", "confirmed", "completed"):
        assert move(status).status_code == 302, status
    job = _job(app, job_id)
    assert job.status == "completed"
    assert [(c.from_status, c.to_status) for c in job.status_changes] == [
        (None, "enquiry"),
        ("enquiry", "option_first"),
        ("option_first", "option_second"),
        ("option_second", "confirmed"),
        ("confirmed", "completed"),
    ]
    assert all(c.at.tzinfo is not None for c in job.status_changes)
    page = signed_in.get("/jobs/to-invoice").get_data(as_text=True)
    assert "Spring campaign" in page
    response = move("cancelled", cancellation_fee="250")
    assert response.status_code == 302
    job = _job(app, job_id)
    assert (job.status, job.cancellation_fee_pence) == ("cancelled", 25000)
    # Cancelled with a fee: still to invoice, for the fee (tests/functional/jobs/
    # test_cancellation_fee_invoicing.py follows it through the invoice).
    assert "Spring campaign" in signed_in.get("/jobs/to-invoice").get_data(as_text=True)
    response = move("enquiry", cancellation_fee="5")
    assert response.status_code == 400
    assert "only when the job is cancelled" in response.get_data(as_text=True)
    assert _job(app, job_id).status == "cancelled"


def test_invoicing_services_move_jobs_and_lock_them(app, signed_in, owner, make_client):
    import uuid

    from minimin.extensions import db
    from minimin.jobs import services
    from minimin.jobs.models import Job

    signed_in.submit("/jobs/new", job_form(client_id=str(make_client(owner))))
    job_id = only_job_id(app)
    invoice_id = uuid.uuid4()
    with app.app_context():
        job = db.session.get(Job, job_id)
        with pytest.raises(services.JobError, match="confirm it before invoicing"):
            services.mark_invoiced(owner.id, [job_id], invoice_id=invoice_id)
        services.change_status(job, services.StatusInput("confirmed"))
        services.change_status(job, services.StatusInput("completed"))
        with pytest.raises(services.JobError, match="has not been invoiced"):
            services.mark_paid(owner.id, job_id)
        services.mark_invoiced(owner.id, job_id, invoice_id=invoice_id)
        services.mark_invoiced(owner.id, [str(job_id)], invoice_id=invoice_id)  # idempotent
        with pytest.raises(services.JobError, match="already been invoiced"):
            services.mark_invoiced(owner.id, [job_id], invoice_id=uuid.uuid4())
        with pytest.raises(services.JobError, match="does not exist"):
            services.mark_invoiced(uuid.uuid4(), [job_id])
        db.session.commit()
    assert _job(app, job_id).invoice_id == invoice_id
    # An invoiced job is locked: no edit, no delete, no status change by hand.
    response = signed_in.get(f"/jobs/{job_id}/edit")
    assert response.status_code == 302
    response = signed_in.submit(
        f"/jobs/{job_id}/edit", job_form(title="Changed"), form_page=f"/jobs/{job_id}"
    )
    assert response.status_code == 302 and _job(app, job_id).title == "Spring campaign"
    response = signed_in.submit(
        f"/jobs/{job_id}/status", {"status": "completed"}, form_page=f"/jobs/{job_id}"
    )
    assert response.status_code == 400
    assert "void the invoice with a credit note" in response.get_data(as_text=True)
    with app.app_context():
        services.mark_paid(owner.id, [job_id])
        services.mark_paid(owner.id, [job_id])  # a second payment event changes nothing
        db.session.commit()
    job = _job(app, job_id)
    assert job.status == "paid" and job.paid_at is not None
    assert [c.to_status for c in job.status_changes][-2:] == ["invoiced", "paid"]
    with app.app_context():
        services.revert_invoiced(owner.id, [job_id])
        db.session.commit()
    job = _job(app, job_id)
    assert (job.status, job.invoice_id, job.paid_at) == ("completed", None, None)


def test_delete_job(app, signed_in, owner, make_client):
    signed_in.submit("/jobs/new", job_form(client_id=str(make_client(owner))))
    job_id = only_job_id(app)
    response = signed_in.submit(f"/jobs/{job_id}/delete", {}, form_page=f"/jobs/{job_id}")
    assert response.status_code == 302
    assert job_count(app) == 0


def test_list_filters_sorting_and_pagination(app, signed_in, owner, make_client, make_agency):
    from minimin.extensions import db
    from minimin.jobs import services
    from minimin.jobs.models import Job

    acme = make_client(owner, "Acme")
    other = make_client(owner, "Zenith")
    agency = make_agency(owner, default_commission_percent=Decimal("20"))
    for n in range(1, 56):
        day = f"2026-{(n % 12) + 1:02d}-{(n % 27) + 1:02d}"
        data = job_form(
            title=f"Job {n:02d}", client_id=str(acme if n % 2 else other), **{"dates-0-day": day}
        )
        if n % 5 == 0:
            data["agency_id"] = str(agency)
        assert signed_in.submit("/jobs/new", data).status_code == 302
    with app.app_context():
        job = db.session.scalar(sa.select(Job).where(Job.title == "Job 07"))
        services.change_status(job, services.StatusInput("confirmed"))
        db.session.commit()
    page = signed_in.get("/jobs").get_data(as_text=True)
    assert "55 jobs" in page and "gross £55,000.00" in page and "Page 1 of 2" in page
    page2 = signed_in.get("/jobs?page=2").get_data(as_text=True)
    assert page2.count('href="/jobs/') - page2.count('href="/jobs/new') >= 5
    page = signed_in.get("/jobs?status=confirmed").get_data(as_text=True)
    assert "1 job" in page and "Job 07" in page and "Job 08" not in page
    page = signed_in.get(f"/jobs?client={other}").get_data(as_text=True)
    assert "27 jobs" in page
    page = signed_in.get(f"/jobs?agency={agency}").get_data(as_text=True)
    assert "11 jobs" in page and "£800.00" in page  # 20% commission deducted
    page = signed_in.get("/jobs?from=2026-03-01&to=2026-03-31").get_data(as_text=True)
    titles = [t for t in ("Job 02", "Job 14", "Job 26", "Job 38", "Job 50") if t in page]
    assert titles == ["Job 02", "Job 14", "Job 26", "Job 38", "Job 50"] and "Job 03" not in page
    page = signed_in.get("/jobs?sort=title").get_data(as_text=True)
    assert page.index("Job 01") < page.index("Job 02") < page.index("Job 10")
    page = signed_in.get("/jobs?sort=-title").get_data(as_text=True)
    assert "Job 55" in page and "Job 01" not in page
    # Bad filter values are reported, not a 500; the rest of the filters still apply.
    response = signed_in.get("/jobs?from=2026-02-30&status=nope&client=zzz&page=-3&sort=x")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Some filters were not applied" in body and "55 jobs" in body


def test_calendar_month_grid(app, signed_in, owner, make_client):
    client_id = str(make_client(owner))
    signed_in.submit(
        "/jobs/new",
        job_form(
            title="Two-day shoot",
            client_id=client_id,
            **{
                "dates-0-day": "2026-11-03",
                "dates-1-day": "2026-11-04",
                "dates-1-starts_at": "08:30",
            },
        ),
    )
    signed_in.submit(
        "/jobs/new",
        job_form(title="December job", client_id=client_id, **{"dates-0-day": "2026-12-01"}),
    )
    signed_in.get("/jobs")  # shows (and clears) the "added" messages
    page = signed_in.get("/jobs/calendar?month=2026-11").get_data(as_text=True)
    assert "November 2026" in page
    assert '<th scope="col"><abbr title="Monday">Mon</abbr></th>' in page
    assert page.count("Two-day shoot") >= 3  # two grid days and the agenda
    assert "08:30" in page and "December job" not in page
    assert 'data-day="2026-11-30"' in page and 'data-day="2026-12-01"' not in page
    assert 'href="/jobs/calendar?month=2026-10"' in page
    assert 'href="/jobs/calendar?month=2026-12"' in page
    page = signed_in.get("/jobs/calendar?month=2027-01").get_data(as_text=True)
    assert 'href="/jobs/calendar?month=2026-12"' in page
    for bad in ("2026-13", "abc", "0000-01", "2026-1-1", "9999-12"):
        response = signed_in.get(f"/jobs/calendar?month={bad}")
        assert response.status_code == 400, bad
        assert "Choose a month like 2026-11." in response.get_data(as_text=True)
