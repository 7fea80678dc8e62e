"""Tenancy and hostile input on the job pages: 404 for others, clear messages, nothing stored."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.functional.jobs.conftest import errors_of, job_count, job_form, only_job_id


@pytest.fixture
def owners_job(app, signed_in, owner, make_client):
    response = signed_in.submit(
        "/jobs/new",
        job_form(
            client_id=str(make_client(owner)), title="Canary-7f3e job", notes="Canary-7f3e notes"
        ),
    )
    assert response.status_code == 302
    return only_job_id(app)


def test_another_user_gets_404_on_every_job_route(app, owners_job, make_user, login):
    intruder = make_user()
    client = app.test_client()
    login(client, intruder)
    token = client.csrf_token("/jobs/new")
    job = str(owners_job)
    for path in (f"/jobs/{job}", f"/jobs/{job}/edit"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Canary-7f3e" not in response.get_data(as_text=True)
    for path, data in (
        (f"/jobs/{job}/edit", job_form(title="Taken over")),
        (f"/jobs/{job}/status", {"status": "confirmed"}),
        (f"/jobs/{job}/delete", {}),
    ):
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 404, path
        assert "Canary-7f3e" not in response.get_data(as_text=True)
    for path in ("/jobs", "/jobs/to-invoice", "/jobs/calendar?month=2026-11"):
        assert "Canary-7f3e" not in client.get(path).get_data(as_text=True)
    for bad in ("not-a-uuid", "00000000-0000-0000-0000-000000000000", "%00", "..%2F"):
        assert client.get(f"/jobs/{bad}").status_code == 404
    assert job_count(app) == 1


def test_every_job_route_is_classified_user(app):
    from minimin.core.security import USER, access_class

    endpoints = [r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("jobs.")]
    assert {
        "jobs.index",
        "jobs.detail",
        "jobs.new",
        "jobs.edit",
        "jobs.change_status",
        "jobs.delete",
        "jobs.calendar",
        "jobs.to_invoice",
    } <= set(endpoints)
    assert all(access_class(app, e) == USER for e in endpoints)


def test_another_users_client_or_agency_is_refused(
    app, signed_in, make_user, make_client, make_agency
):
    stranger = make_user()
    their_client = make_client(stranger, "Their client")
    their_agency = make_agency(stranger, "Their agency")
    for field, value in (("client_id", their_client), ("agency_id", their_agency)):
        response = signed_in.submit("/jobs/new", job_form(**{field: str(value)}))
        assert response.status_code == 400
        assert "Choose one of your own" in errors_of(response)
        assert "Their" not in response.get_data(as_text=True)
    assert job_count(app) == 0


def test_the_service_refuses_another_users_contact(app, owner, make_user, make_client):
    from datetime import date

    from minimin.extensions import db
    from minimin.jobs import services

    their_client = make_client(make_user())
    data = services.JobInput(
        title="x", client_id=their_client, dates=[services.DateInput(day=date(2026, 1, 1))]
    )
    with app.app_context():
        with pytest.raises(services.JobError, match="your own"):
            services.create_job(owner.id, data)
        db.session.rollback()


MONEY_CASES = {
    "NaN": "not NaN or infinity",
    "sNaN": "not NaN or infinity",
    "Infinity": "not NaN or infinity",
    "-inf": "not NaN or infinity",
    "1e999999": "without an exponent",
    "12.345": "at most 2 decimal places",
    "-5": "zero or more",
    "100000001": "no larger than",
    "99999999999999999999": "no larger than",
    "twelve": "in figures",
    "": "Enter an amount.",
    "1" * 100: "too long",
}


@pytest.mark.parametrize(("amount", "message"), list(MONEY_CASES.items()))
def test_bad_money_is_refused_with_a_clear_message(
    app, signed_in, owner, make_client, amount, message
):
    data = job_form(client_id=str(make_client(owner)), **{"fee_lines-0-unit_amount": amount})
    if amount == "":
        data["fee_lines-0-description"] = "Needs an amount"
    response = signed_in.submit("/jobs/new", data)
    assert response.status_code == 400
    assert message in errors_of(response), errors_of(response)
    assert job_count(app) == 0


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("NaN", "not NaN"),
        ("1e3", "exponent"),
        ("-1", "zero or more"),
        ("1.2345", "3 decimal"),
        ("100001", "no larger than"),
        ("1,5", "in figures"),
    ],
)
def test_bad_quantity_is_refused(app, signed_in, owner, make_client, quantity, message):
    data = job_form(client_id=str(make_client(owner)), **{"fee_lines-0-quantity": quantity})
    response = signed_in.submit("/jobs/new", data)
    assert response.status_code == 400
    assert message in errors_of(response)
    assert job_count(app) == 0


def test_line_total_overflow_is_refused(app, signed_in, owner, make_client):
    data = job_form(
        client_id=str(make_client(owner)),
        **{
            "fee_lines-0-quantity": "100000",
            "fee_lines-0-unit_amount": "99999999",
        },
    )
    response = signed_in.submit("/jobs/new", data)
    assert response.status_code == 400
    assert "too large" in errors_of(response)
    assert job_count(app) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("dates-0-day", "2026-02-30", "date"),
        ("dates-0-day", "0001-01-01", "1900"),
        ("dates-0-day", "9999-12-31", "2100"),
        ("dates-0-starts_at", "25:00", "time"),
        ("fee_lines-0-usage_expires_on", "2026-02-29", "date"),
        ("commission_percent", "150", "from 0 to 100"),
        ("commission_percent", "NaN", "not NaN"),
        ("kind_of_work", "<script>", "Not a valid choice"),
        ("currency", "XXX", "Not a valid choice"),
        ("fee_lines-0-kind", "free-money", "Not a valid choice"),
    ],
)
def test_bad_dates_and_choices_are_refused(
    app, signed_in, owner, make_client, field, value, message
):
    data = job_form(client_id=str(make_client(owner)), **{field: value})
    response = signed_in.submit("/jobs/new", data)
    assert response.status_code == 400
    assert message.lower() in errors_of(response).lower(), errors_of(response)
    assert job_count(app) == 0


def test_end_before_start_and_usage_terms_on_a_day_rate(app, signed_in, owner, make_client):
    client_id = str(make_client(owner))
    response = signed_in.submit(
        "/jobs/new",
        job_form(client_id=client_id, **{"dates-0-starts_at": "18:00", "dates-0-ends_at": "09:00"}),
    )
    assert response.status_code == 400 and "after the start time" in errors_of(response)
    response = signed_in.submit(
        "/jobs/new", job_form(client_id=client_id, **{"fee_lines-0-media": "Online"})
    )
    assert response.status_code == 400 and "only to a usage / buyout line" in errors_of(response)
    assert job_count(app) == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("bad\x00null", "null character"),
        ("line\nbreak", "control characters"),
        ("x" * 201, "200"),
        ("x" * 1_000_000, "200"),
    ],
)
def test_hostile_titles_are_refused(app, signed_in, owner, make_client, value, message):
    data = job_form(client_id=str(make_client(owner)), title=value)
    response = signed_in.submit("/jobs/new", data)
    assert response.status_code in (400, 413)
    if response.status_code == 400:
        assert message in errors_of(response)
    assert job_count(app) == 0


@pytest.mark.parametrize(
    "value",
    [
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "Ω≈ç√∫˜µ≤≥÷",
        "𝕋𝕙𝕖 𝕢𝕦𝕚𝕔𝕜",
        "👩‍👩‍👧‍👦",
        "{{ 7*7 }}",
        "${7*7}",
        "\u202etxet",
        "Zalgo ̵̡̢̛̗̘̙̜̝̞̟̠",
    ],
)
def test_naughty_strings_round_trip_escaped(app, signed_in, owner, make_client, value):
    data = job_form(
        client_id=str(make_client(owner)),
        title=value,
        location=value,
        notes=value + "\nsecond line",
        **{"fee_lines-0-description": value},
    )
    response = signed_in.submit("/jobs/new", data)
    assert response.status_code == 302, errors_of(response)
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    from markupsafe import escape

    assert str(escape(value)) in page


def test_job_form_without_csrf_token_is_refused(app, signed_in, owner, make_client):
    data = job_form(client_id=str(make_client(owner)))
    response = signed_in.post("/jobs/new", data=data)
    assert response.status_code == 400
    assert job_count(app) == 0


def test_cancellation_fee_money_checks(app, signed_in, owner, make_client):
    signed_in.submit("/jobs/new", job_form(client_id=str(make_client(owner))))
    job_id = only_job_id(app)
    for bad in ("NaN", "-10", "1e5", "10.001"):
        response = signed_in.submit(
            f"/jobs/{job_id}/status",
            {"status": "cancelled", "cancellation_fee": bad},
            form_page=f"/jobs/{job_id}",
        )
        assert response.status_code == 400, bad
    from minimin.extensions import db
    from minimin.jobs.models import Job

    with app.app_context():
        job = db.session.get(Job, job_id)
        assert (job.status, job.cancellation_fee_pence) == ("enquiry", None)
    assert Decimal("0") == Decimal(0)
