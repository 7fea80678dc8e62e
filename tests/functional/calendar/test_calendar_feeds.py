"""Private calendar feeds: parsed back with icalendar, they carry RFC 5545's required
properties, Europe/London times with their VTIMEZONE, options as TENTATIVE and cancelled jobs
as CANCELLED, usage expiries, stable UIDs and the feed's filters; a wrong, rotated or revoked
token gets a bare 404. Bookings import from an .ics file as draft jobs after a review."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import uuid
from typing import Any

import icalendar
import sqlalchemy as sa

from tests.functional.documents.conftest import (  # noqa: F401 - fixtures
    owner,
    signed_in,
    usage_job,
)
from tests.functional.jobs.conftest import job_form


def _new_feed(client: Any, **fields: str) -> str:
    data = {"name": "Phone", "agency": "", **fields}
    response = client.submit("/calendar/feeds", data)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    found = re.search(r'id="feed-link"[^>]*>([^<]+)<', response.get_data(as_text=True))
    assert found
    return found.group(1).split("/calendar/", 1)[1]


def _events(data: bytes) -> dict[str, Any]:
    calendar = icalendar.Calendar.from_ical(data)
    return {str(e["summary"]): e for e in calendar.walk("VEVENT")}


def test_feed_is_valid_icalendar_with_statuses_and_times(
    app: Any,
    signed_in: Any,  # noqa: F811
    usage_job: str,  # noqa: F811
    owner: Any,  # noqa: F811
) -> None:
    from minimin.contacts.models import Agency, Client
    from minimin.extensions import db

    with app.app_context():
        agency = Agency(user_id=owner.id, name="Northern Faces")
        db.session.add(agency)
        db.session.commit()
        agency_id = str(agency.id)
        client_id = str(db.session.scalar(sa.select(Client.id)))
    timed = signed_in.submit(
        "/jobs/new",
        job_form(
            title="Fitting",
            agency_id=agency_id,
            location="Leeds",
            **{
                "dates-0-day": "2026-07-01",
                "dates-0-starts_at": "09:30",
                "dates-0-ends_at": "13:00",
            },
        ),
    )
    assert timed.status_code == 302
    fitting_id = timed.headers["Location"].rsplit("/", 1)[-1]
    cancelled = signed_in.submit(
        "/jobs/new", job_form(title="Dropped", client_id=client_id, **{"dates-0-day": "2026-08-03"})
    )
    assert cancelled.status_code == 302
    with app.app_context():
        from minimin.jobs.models import Job

        dropped = db.session.get(Job, uuid.UUID(cancelled.headers["Location"].rsplit("/", 1)[-1]))
        assert dropped is not None
        dropped.status = "cancelled"
        db.session.commit()

    path = _new_feed(signed_in)
    visitor = app.test_client()  # a calendar app: no cookies
    response = visitor.get(f"/calendar/{path}")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    assert calendar["VERSION"] == "2.0" and "Minimin" in str(calendar["PRODID"])
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    events = _events(response.data)
    for event in events.values():
        for required in ("UID", "DTSTAMP", "DTSTART"):
            assert required in event, (required, event.get("summary"))
    fitting = events["Fitting"]
    start = fitting["DTSTART"]
    assert start.params["TZID"] == "Europe/London"
    assert start.dt == dt.datetime(2026, 7, 1, 9, 30, tzinfo=start.dt.tzinfo)
    assert start.dt.utcoffset() == dt.timedelta(hours=1)  # British Summer Time
    assert fitting["DTEND"].dt.hour == 13 and str(fitting["LOCATION"]) == "Leeds"
    assert str(fitting["STATUS"]) == "TENTATIVE"  # an enquiry
    assert str(events["Dropped"]["STATUS"]) == "CANCELLED"
    lookbook = events["Lookbook <AW27>"]
    assert lookbook["DTSTART"].dt == dt.date(2026, 11, 10)  # an all-day job
    expiry = next(e for name, e in events.items() if name.startswith("Usage ends"))
    assert expiry["DTSTART"].dt == dt.date(2027, 11, 9)
    # UIDs are stable from one fetch to the next.
    again = _events(visitor.get(f"/calendar/{path}").data)
    assert {str(e["UID"]) for e in again.values()} == {str(e["UID"]) for e in events.values()}

    # Filters: one agency's booked work only.
    agency_path = _new_feed(signed_in, name="Agency", agency=agency_id)
    assert set(_events(visitor.get(f"/calendar/{agency_path}").data)) == {"Fitting"}
    booked_path = _new_feed(signed_in, name="Booked", confirmed_only="y")
    assert "Fitting" not in _events(visitor.get(f"/calendar/{booked_path}").data)
    moved = signed_in.submit(
        f"/jobs/{fitting_id}/status",
        {"status": "confirmed", "cancellation_fee": ""},
        form_page=f"/jobs/{fitting_id}",
    )
    assert moved.status_code == 302
    booked = _events(visitor.get(f"/calendar/{booked_path}").data)
    assert str(booked["Fitting"]["STATUS"]) == "CONFIRMED"

    # The feeds page says when each feed was last read; the link is never shown again.
    page = signed_in.get("/calendar/feeds").get_data(as_text=True)
    assert path.removesuffix(".ics") not in page
    assert "Booked" in page and "booked only" in page


def test_wrong_rotated_and_revoked_tokens_get_404(
    app: Any,
    signed_in: Any,  # noqa: F811
    usage_job: str,  # noqa: F811
    make_user: Any,
    login: Any,
) -> None:
    from minimin.calendar.models import CalendarFeed
    from minimin.extensions import db

    path = _new_feed(signed_in)
    visitor = app.test_client()
    assert visitor.get(f"/calendar/{path}").status_code == 200
    wrong = visitor.get("/calendar/" + "A" * 43 + ".ics")
    assert wrong.status_code == 404 and b"VCALENDAR" not in wrong.data
    with app.app_context():
        feed = db.session.scalar(sa.select(CalendarFeed))
        assert feed is not None and feed.last_used_at is not None
        feed_id = feed.id
        assert path.removesuffix(".ics") not in feed.token_hash

    # Another user cannot rotate or revoke it.
    stranger = app.test_client()
    login(stranger, make_user(email="stranger@example.com"))
    assert (
        stranger.submit(f"/calendar/feeds/{feed_id}/revoke", {}, form_page="/calendar/feeds")
    ).status_code == 404

    rotated = signed_in.submit(f"/calendar/feeds/{feed_id}/rotate", {}, form_page="/calendar/feeds")
    new_path = re.search(r'id="feed-link"[^>]*>([^<]+)<', rotated.get_data(as_text=True))
    assert new_path
    new = new_path.group(1).split("/calendar/", 1)[1]
    assert visitor.get(f"/calendar/{path}").status_code == 404
    assert visitor.get(f"/calendar/{new}").status_code == 200
    signed_in.submit(f"/calendar/feeds/{feed_id}/revoke", {}, form_page="/calendar/feeds")
    revoked = visitor.get(f"/calendar/{new}")
    assert revoked.status_code == 404 and b"VCALENDAR" not in revoked.data

    bad = signed_in.submit("/calendar/feeds", {"name": "", "agency": ""})
    assert bad.status_code == 400 and "Name the feed" in bad.get_data(as_text=True)
    foreign = signed_in.submit("/calendar/feeds", {"name": "X", "agency": str(uuid.uuid4())})
    assert foreign.status_code == 400


ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Elsewhere//EN\r
BEGIN:VEVENT\r
UID:a@elsewhere\r
DTSTAMP:20260101T000000Z\r
DTSTART:20260315T090000Z\r
DTEND:20260315T170000Z\r
SUMMARY:Catalogue shoot\r
LOCATION:Studio 4, Manchester\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:b@elsewhere\r
DTSTAMP:20260101T000000Z\r
DTSTART;VALUE=DATE:20260401\r
DTEND;VALUE=DATE:20260403\r
SUMMARY:Two-day campaign\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_import_bookings_as_draft_jobs_after_review(
    app: Any,
    signed_in: Any,  # noqa: F811
    owner: Any,  # noqa: F811
) -> None:
    from minimin.extensions import db
    from minimin.jobs.models import Job

    junk = signed_in.submit(
        "/calendar/import",
        {"file": (io.BytesIO(b"not a calendar"), "x.ics")},
        form_page="/calendar/feeds",
        content_type="multipart/form-data",
    )
    assert junk.status_code == 400 and "no bookings we can read" in junk.get_data(as_text=True)

    review = signed_in.submit(
        "/calendar/import",
        {"file": (io.BytesIO(ICS), "bookings.ics")},
        form_page="/calendar/feeds",
        content_type="multipart/form-data",
    )
    html = review.get_data(as_text=True)
    assert review.status_code == 200 and "Catalogue shoot" in html and "Two-day campaign" in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0  # review only
    payloads = [
        json.loads(v.replace("&#34;", '"').replace("&quot;", '"'))
        for v in re.findall(r'name="pick" value="([^"]+)"', html)
    ]
    assert len(payloads) == 2
    tampered = signed_in.submit(
        "/calendar/import/confirm", {"pick": ['{"days": "nope"}']}, form_page="/calendar/feeds"
    )
    assert tampered.status_code == 400
    done = signed_in.submit(
        "/calendar/import/confirm",
        {"pick": [json.dumps(p) for p in payloads]},
        form_page="/calendar/feeds",
    )
    assert done.status_code == 302
    with app.app_context():
        jobs = {j.title: j for j in db.session.scalars(sa.select(Job))}
        shoot = jobs["Catalogue shoot"]
        assert shoot.status == "enquiry" and shoot.location == "Studio 4, Manchester"
        [day] = shoot.dates
        # 09:00 UTC on 15 March 2026 is 09:00 in London (GMT).
        assert day.day == dt.date(2026, 3, 15) and day.starts_at == dt.time(9, 0)
        campaign = jobs["Two-day campaign"]
        assert [d.day for d in campaign.dates] == [dt.date(2026, 4, 1), dt.date(2026, 4, 2)]
        assert all(j.user_id == owner.id for j in jobs.values())


def test_feeds_die_when_the_password_or_email_changes(
    app: Any,
    signed_in: Any,  # noqa: F811
    owner: Any,  # noqa: F811
) -> None:
    from minimin.accounts.models import User
    from minimin.core.db import utcnow
    from minimin.extensions import db

    visitor = app.test_client()
    for change in ("password_changed_at", "email"):
        path = _new_feed(signed_in, name=change[:20])
        assert visitor.get(f"/calendar/{path}").status_code == 200
        with app.app_context():
            user = db.session.get(User, owner.id)
            assert user is not None
            if change == "email":
                user.email = "moved-" + user.email
            else:
                user.password_changed_at = utcnow()
            db.session.commit()
        assert visitor.get(f"/calendar/{path}").status_code == 404, change
