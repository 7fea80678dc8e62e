"""A job's quote: sent to the client's address on record as a PDF with an accept link (token
stored hashed, with an expiry); the client accepts it on a public page and the job is
confirmed; a withdrawn or expired quote cannot be accepted."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import sqlalchemy as sa

from tests.functional.jobs.conftest import job_form


def _enquiry(app: Any, client: Any, owner: Any) -> str:
    from minimin.contacts.models import Client
    from minimin.extensions import db

    with app.app_context():
        acme = Client(user_id=owner.id, name="Acme Studios", email="book@acme.example")
        db.session.add(acme)
        db.session.commit()
        client_id = acme.id
    response = client.submit("/jobs/new", job_form(client_id=str(client_id), title="Lookbook"))
    assert response.status_code == 302
    return response.headers["Location"].rsplit("/", 1)[-1]


def _job_status(app: Any, job_id: str) -> str:
    from minimin.extensions import db
    from minimin.jobs.models import Job

    with app.app_context():
        return str(db.session.get(Job, uuid.UUID(job_id)).status)


def test_send_accept_confirms_the_job(
    app: Any, client: Any, make_user: Any, login: Any, mailbox: Any
) -> None:
    owner = make_user()
    login(client, owner)
    job_id = _enquiry(app, client, owner)
    assert "Send a quote" in client.get(f"/jobs/{job_id}").get_data(as_text=True)

    # An address not on record is refused, nothing sent.
    bad = client.submit(f"/jobs/{job_id}/quote", {"to": "x@evil.example", "days": "30"})
    assert bad.status_code == 400 and not mailbox.to("x@evil.example")
    bad = client.submit(f"/jobs/{job_id}/quote", {"to": "book@acme.example", "days": "0"})
    assert bad.status_code == 400 and "from 1 to 365" in bad.get_data(as_text=True)

    sent = client.submit(
        f"/jobs/{job_id}/quote", {"to": "book@acme.example", "days": "14", "message": "Hi"}
    )
    assert sent.status_code == 302
    [message] = mailbox.to("book@acme.example")
    assert "Quote for Lookbook" in message["Subject"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content().startswith(b"%PDF")
    link = mailbox.last_link("book@acme.example", r"http://\S+/quote/\S+")
    token = link.rsplit("/", 1)[-1]

    from minimin.extensions import db
    from minimin.quotes.models import Quote

    with app.app_context():
        quote = db.session.scalars(sa.select(Quote)).one()
        assert quote.token_hash != token and token not in quote.token_hash
        assert quote.expires_on - dt.date.today() <= dt.timedelta(days=15)
        assert quote.total_pence == 100000

    anon = app.test_client()
    page = anon.get(f"/quote/{token}")
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    text = page.get_data(as_text=True)
    assert "£1,000.00" in text and "Accept and confirm the booking" in text
    assert anon.get(f"/quote/{token}/pdf").data.startswith(b"%PDF")
    assert anon.get("/quote/" + "a" * 43).status_code == 404

    token_field = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text)
    token_field = token_field or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', text)
    assert token_field
    accepted = anon.post(f"/quote/{token}/accept", data={"csrf_token": token_field.group(1)})
    assert accepted.status_code == 302
    assert _job_status(app, job_id) == "confirmed"
    assert "the booking is confirmed" in anon.get(f"/quote/{token}").get_data(as_text=True)


def test_withdrawn_and_expired_quotes_cannot_be_accepted(
    app: Any, client: Any, make_user: Any, login: Any
) -> None:
    from minimin.extensions import db
    from minimin.jobs.models import Job
    from minimin.quotes import services

    owner = make_user()
    login(client, owner)
    job_id = _enquiry(app, client, owner)
    with app.app_context():
        job = db.session.get(Job, uuid.UUID(job_id))
        old = services.create_quote(
            job,
            services.QuoteInput(to="book@acme.example", days=1),
            today=dt.date.today() - dt.timedelta(days=5),
        )
        withdrawn = services.create_quote(job, services.QuoteInput(to="book@acme.example"))
        services.withdraw(withdrawn.quote)
        db.session.commit()
    anon = app.test_client()
    for new in (old, withdrawn):
        page = anon.get(f"/quote/{new.token}").get_data(as_text=True)
        assert "can no longer be accepted" in page
        assert "Accept and confirm the booking" not in page
    assert _job_status(app, job_id) == "enquiry"

    # Another user cannot see or send the job's quotes.
    intruder = make_user()
    other = app.test_client()
    login(other, intruder)
    assert other.get(f"/jobs/{job_id}/quote").status_code == 404
