"""The email log lists the user's outbox rows only, filters by status and kind, searches
recipient and subject, and shows the redacted copy (no working link) of each email."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from tests.functional.documents.conftest import (  # noqa: F401 - fixtures
    copy_starter,
    link_in,
    make_document,
    owner,
    signed_in,
    usage_job,
)


def test_log_lists_filters_and_redacts(
    app: Any,
    signed_in: Any,  # noqa: F811 - the fixture imported above
    usage_job: str,  # noqa: F811
    mailbox: Any,
    make_user: Any,
    login: Any,
) -> None:
    from minimin.core.mail import FAILED, OutboundEmail
    from minimin.extensions import db

    document_id = make_document(signed_in, copy_starter(signed_in, "letter"), usage_job)
    signed_in.submit(
        f"/documents/{document_id}/signing",
        {"signer_name": ["Ann"], "signer_email": ["ann@acme.example"]},
        form_page=f"/documents/{document_id}",
    )
    token = link_in(mailbox.text(mailbox.to("ann@acme.example")[0]))
    with app.app_context():
        email = db.session.scalar(
            sa.select(OutboundEmail).where(OutboundEmail.to_address == "ann@acme.example")
        )
        assert email is not None
        email_id = email.id
        # Another email of the same user that failed, and one of nobody's (a service email).
        db.session.add(
            OutboundEmail(
                user_id=email.user_id,
                kind="invoice",
                message_id=f"<{uuid.uuid4()}@x>",
                to_address="late@payer.example",
                subject="Invoice INV-0042",
                text_body="Please pay",
                status=FAILED,
                attempts=12,
                last_error="550 mailbox unavailable",
            )
        )
        db.session.commit()

    page = signed_in.get("/emails").get_data(as_text=True)
    assert "ann@acme.example" in page and "late@payer.example" in page
    assert "2 emails" in page
    failed = signed_in.get("/emails?status=failed").get_data(as_text=True)
    assert "late@payer.example" in failed and "ann@acme.example" not in failed
    kind = signed_in.get("/emails?kind=signing_request").get_data(as_text=True)
    assert "ann@acme.example" in kind and "late@payer.example" not in kind
    search = signed_in.get("/emails?q=INV-0042").get_data(as_text=True)
    assert "late@payer.example" in search and "ann@acme.example" not in search
    # Odd filters are ignored, never an error; a wildcard is searched for as it is.
    assert signed_in.get("/emails?status=nope&kind=%00&page=x").status_code == 200
    assert "No emails match" in signed_in.get("/emails?q=%25").get_data(as_text=True)

    detail = signed_in.get(f"/emails/{email_id}").get_data(as_text=True)
    assert "/sign/[removed]" in detail and token not in detail
    assert "Send again from where it was sent" in detail

    stranger = app.test_client()
    login(stranger, make_user(email="stranger@example.com"))
    assert stranger.get(f"/emails/{email_id}").status_code == 404
    assert "ann@acme.example" not in stranger.get("/emails").get_data(as_text=True)
