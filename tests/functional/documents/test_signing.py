"""Signature requests: each signer's link (token hashed at rest, 14-day expiry, one signer),
typed and drawn signatures, signing in order, decline, void, reminders, and the signed copy with
its certificate, emailed to every party while the original PDF stays as it was."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import uuid
from typing import Any

import pdfplumber
import sqlalchemy as sa

from tests.functional.documents.conftest import copy_starter, link_in, make_document


def _send(client: Any, document_id: str, signers: list[tuple[str, str]], **extra: str) -> Any:
    data: dict[str, Any] = {
        "signer_name": [name for name, _ in signers],
        "signer_email": [email for _, email in signers],
        "message": "Please sign",
        **extra,
    }
    return client.submit(
        f"/documents/{document_id}/signing", data, form_page=f"/documents/{document_id}"
    )


def _png_data_url(size: tuple[int, int] = (300, 100)) -> str:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 50), (150, 20), (290, 80)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def test_two_signers_and_owner_complete_with_certificate(
    app: Any, signed_in: Any, owner: Any, usage_job: str, mailbox: Any
) -> None:
    from minimin.core.storage import storage
    from minimin.documents.models import GeneratedDocument, SignatureRequest, Signer
    from minimin.extensions import db

    document_id = make_document(signed_in, copy_starter(signed_in, "model_release"), usage_job)
    with app.app_context():
        original = storage().read(db.session.get(GeneratedDocument, uuid.UUID(document_id)).pdf_key)

    bad = _send(signed_in, document_id, [("Ann", "not-an-email")], owner_signs="y")
    assert bad.status_code == 400 and "not an email address" in bad.get_data(as_text=True)

    sent = _send(
        signed_in,
        document_id,
        [("Ann Client", "ann@acme.example"), ("Bob Agent", "bob@agency.example")],
        owner_signs="y",
    )
    assert sent.status_code == 302
    request_id = sent.headers["Location"].rsplit("/", 1)[-1]
    ann_token = link_in(mailbox.text(mailbox.to("ann@acme.example")[0]))
    bob_token = link_in(mailbox.text(mailbox.to("bob@agency.example")[0]))
    with app.app_context():
        hashes = set(db.session.scalars(sa.select(Signer.token_hash)))
        assert hashlib.sha256(ann_token.encode()).hexdigest() in hashes
        assert ann_token not in str(hashes)
        # The email log keeps the email without its working link.
        from minimin.core.mail import OutboundEmail

        logged = db.session.scalars(
            sa.select(OutboundEmail.text_body).where(OutboundEmail.kind == "signing_request")
        ).all()
        assert logged and all(ann_token not in body for body in logged)

    signer_client = app.test_client()
    page = signer_client.get(f"/sign/{ann_token}")
    assert page.status_code == 200 and "Acme Studios" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert signer_client.get(f"/sign/{ann_token}/document.pdf").data == original

    # Not agreed: refused, nothing signed.
    from tests.conftest import CSRF_RE

    def post(client: Any, path: str, data: dict[str, str], page_path: str) -> Any:
        html = client.get(page_path).get_data(as_text=True)
        match = CSRF_RE.search(html)
        assert match
        return client.post(path, data={"csrf_token": match.group(1) or match.group(2), **data})

    refused = post(signer_client, f"/sign/{ann_token}", {"typed_name": "Ann"}, f"/sign/{ann_token}")
    assert refused.status_code == 400 and "agree" in refused.get_data(as_text=True)
    # A drawing that is not a PNG is refused with a clear message.
    junk = post(
        signer_client,
        f"/sign/{ann_token}",
        {"agree": "y", "drawing": "data:image/png;base64," + base64.b64encode(b"GIF89a").decode()},
        f"/sign/{ann_token}",
    )
    assert junk.status_code == 400 and "could not be read" in junk.get_data(as_text=True)

    ok = post(
        signer_client,
        f"/sign/{ann_token}",
        {"agree": "y", "typed_name": "Ann Client"},
        f"/sign/{ann_token}",
    )
    assert ok.status_code == 302
    bob_client = app.test_client()
    ok = post(
        bob_client,
        f"/sign/{bob_token}",
        {"agree": "y", "drawing": _png_data_url()},
        f"/sign/{bob_token}",
    )
    assert ok.status_code == 302
    assert not mailbox.to(owner.email) or all(
        "Signed by everyone" not in m["Subject"] for m in mailbox.to(owner.email)
    )

    # The account holder signs last, in the app.
    signed = signed_in.submit(
        f"/documents/signing/{request_id}/sign",
        {"agree": "y", "typed_name": owner.full_name},
        form_page=f"/documents/signing/{request_id}",
    )
    assert signed.status_code == 302
    status = signed_in.get(f"/documents/signing/{request_id}").get_data(as_text=True)
    assert "Signed by everyone" in status

    final = signed_in.get(f"/documents/signing/{request_id}/signed.pdf").data
    original_sha = hashlib.sha256(original).hexdigest()
    text = _pdf_text(final)
    assert "Signing certificate" in text
    assert text.count(original_sha) == 2  # when sent and at completion
    for kind in ("sent", "viewed", "agreed", "signed", "completed"):
        assert kind in text
    assert "Ann Client" in text and "Bob Agent" in text
    with app.app_context():
        req = db.session.get(SignatureRequest, uuid.UUID(request_id))
        assert req is not None
        assert req.signed_sha256 == hashlib.sha256(final).hexdigest()
        # Events keep hashed client details, never the address itself.
        assert all(e.ip_hash and "127.0.0.1" not in e.ip_hash for e in req.events if e.signer)
        # The stored original is unchanged.
        doc = db.session.get(GeneratedDocument, uuid.UUID(document_id))
        assert storage().read(doc.pdf_key) == original
    # A changed signed copy no longer matches its recorded hash.
    middle = len(final) // 2
    tampered = final[:middle] + bytes([final[middle] ^ 1]) + final[middle + 1 :]
    assert hashlib.sha256(tampered).hexdigest() != req.signed_sha256
    for data, verdict in ((final, "has not been changed"), (tampered, "does not match")):
        checked = signed_in.submit(
            "/documents/verify",
            {"file": (io.BytesIO(data), "signed.pdf")},
            form_page="/documents",
            content_type="multipart/form-data",
            follow_redirects=True,
        )
        assert verdict in checked.get_data(as_text=True)

    # Every party receives the signed copy.
    for address in ("ann@acme.example", "bob@agency.example", owner.email):
        done = [m for m in mailbox.to(address) if "Signed by everyone" in m["Subject"]]
        assert len(done) == 1, address
        [attachment] = list(done[0].iter_attachments())
        assert attachment.get_content() == final
    # The signer's link now shows the signed copy; other tokens are 404.
    assert signer_client.get(f"/sign/{ann_token}/signed.pdf").data == final
    assert signer_client.get("/sign/" + "x" * 43).status_code == 404


def test_decline_void_remind_expiry_and_order(
    app: Any, signed_in: Any, usage_job: str, mailbox: Any, owner: Any
) -> None:
    from minimin.documents.models import Signer
    from minimin.extensions import db

    document_id = make_document(signed_in, copy_starter(signed_in, "letter"), usage_job)
    # In order: only the first signer is emailed.
    sent = _send(
        signed_in,
        document_id,
        [("Ann", "ann@acme.example"), ("Bob", "bob@agency.example")],
        in_order="y",
    )
    request_id = sent.headers["Location"].rsplit("/", 1)[-1]
    assert len(mailbox.to("ann@acme.example")) == 1 and not mailbox.to("bob@agency.example")
    first = link_in(mailbox.text(mailbox.to("ann@acme.example")[0]))

    # A reminder sends a fresh link; the old one stops working.
    signed_in.submit(
        f"/documents/signing/{request_id}/remind", {}, form_page=f"/documents/signing/{request_id}"
    )
    [_, reminder] = mailbox.to("ann@acme.example")
    assert "Reminder" in reminder["Subject"]
    second = link_in(mailbox.text(reminder))
    visitor = app.test_client()
    assert visitor.get(f"/sign/{first}").status_code == 404
    assert visitor.get(f"/sign/{second}").status_code == 200

    # Declining needs a reason, then closes the request and tells the sender.
    from tests.conftest import CSRF_RE

    token = CSRF_RE.search(visitor.get(f"/sign/{second}").get_data(as_text=True))
    assert token
    csrf = token.group(1) or token.group(2)
    empty = visitor.post(f"/sign/{second}/decline", data={"csrf_token": csrf, "reason": ""})
    assert empty.status_code == 400 and "Say why" in empty.get_data(as_text=True)
    declined = visitor.post(
        f"/sign/{second}/decline", data={"csrf_token": csrf, "reason": "Wrong dates"}
    )
    assert declined.status_code == 302
    assert any("declined" in m["Subject"] for m in mailbox.to(owner.email))
    assert visitor.get(f"/sign/{second}").status_code == 404
    assert "Declined" in signed_in.get(f"/documents/signing/{request_id}").get_data(as_text=True)

    # Voiding: the link stops working at once.
    sent = _send(signed_in, document_id, [("Cat", "cat@example.com")])
    request_id = sent.headers["Location"].rsplit("/", 1)[-1]
    cat = link_in(mailbox.text(mailbox.to("cat@example.com")[0]))
    signed_in.submit(
        f"/documents/signing/{request_id}/void", {}, form_page=f"/documents/signing/{request_id}"
    )
    assert visitor.get(f"/sign/{cat}").status_code == 404

    # Expired after 14 days.
    sent = _send(signed_in, document_id, [("Dan", "dan@example.com")])
    dan = link_in(mailbox.text(mailbox.to("dan@example.com")[0]))
    assert visitor.get(f"/sign/{dan}").status_code == 200
    with app.app_context():
        signer = db.session.scalar(sa.select(Signer).where(Signer.email == "dan@example.com"))
        assert signer is not None and signer.token_expires_at is not None
        signer.token_expires_at = signer.token_expires_at - dt.timedelta(days=14, seconds=1)
        db.session.commit()
    assert visitor.get(f"/sign/{dan}").status_code == 404


def test_one_time_code_is_needed_when_asked_for(
    app: Any, signed_in: Any, usage_job: str, mailbox: Any
) -> None:
    from minimin.core.mail import OutboundEmail
    from minimin.extensions import db
    from tests.conftest import CSRF_RE

    document_id = make_document(signed_in, copy_starter(signed_in, "letter"), usage_job)
    _send(signed_in, document_id, [("Eve", "eve@example.com")], require_code="y")
    token = link_in(mailbox.text(mailbox.to("eve@example.com")[0]))
    visitor = app.test_client()
    page = visitor.get(f"/sign/{token}").get_data(as_text=True)
    assert "Email me a code" in page
    match = CSRF_RE.search(page)
    assert match
    csrf = match.group(1) or match.group(2)
    form = {"csrf_token": csrf, "agree": "y", "typed_name": "Eve"}
    no_code = visitor.post(f"/sign/{token}", data=form)
    assert no_code.status_code == 400 and "Ask for a code" in no_code.get_data(as_text=True)
    assert visitor.post(f"/sign/{token}/code", data={"csrf_token": csrf}).status_code == 302
    [code_email] = [m for m in mailbox.to("eve@example.com") if "code" in m["Subject"]]
    code = mailbox.text(code_email).split("\n\n")[1].strip()
    assert code.isdigit() and len(code) == 6
    wrong = visitor.post(
        f"/sign/{token}", data={**form, "code": "000000" if code != "000000" else "111111"}
    )
    assert wrong.status_code == 400 and "not right" in wrong.get_data(as_text=True)
    ok = visitor.post(f"/sign/{token}", data={**form, "code": code})
    assert ok.status_code == 302
    # Codes cannot be used to flood the signer's mailbox: five an hour per link.
    statuses = [
        visitor.post(f"/sign/{token}/code", data={"csrf_token": csrf}).status_code for _ in range(5)
    ]
    assert statuses[-1] == 429
    # The sender's email log never shows the code.
    log = signed_in.get("/emails").get_data(as_text=True)
    assert "eve@example.com" in log and "Your code to sign" not in log
    with app.app_context():
        rows = db.session.scalars(
            sa.select(OutboundEmail).where(OutboundEmail.kind == "signing_code")
        ).all()
        assert rows and all(row.user_id is None for row in rows)
