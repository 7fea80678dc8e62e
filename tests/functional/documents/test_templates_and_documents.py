"""Templates copied from the library and edited into new versions (unknown placeholders
refused, rich text sanitised), previewed with a job's data, and documents generated once to a
stored PDF with its SHA-256 and the template version they came from."""

from __future__ import annotations

import hashlib
import io
import uuid
from typing import Any

import pdfplumber
import sqlalchemy as sa

from tests.functional.documents.conftest import copy_starter, make_document


def _template_versions(app: Any, template_id: str) -> list[int]:
    from minimin.documents.models import TemplateVersion
    from minimin.extensions import db

    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(TemplateVersion.version)
                .where(TemplateVersion.template_id == uuid.UUID(template_id))
                .order_by(TemplateVersion.version)
            )
        )


def test_edit_refuses_unknown_placeholders_and_versions(
    app: Any, signed_in: Any, usage_job: str
) -> None:
    template_id = copy_starter(signed_in, "usage_licence")
    page = signed_in.get(f"/documents/templates/{template_id}").get_data(as_text=True)
    assert "{usage_media}" in page

    bad = signed_in.submit(
        f"/documents/templates/{template_id}",
        {"name": "Licence", "body": "<p>Dear {client_nmae}, {fee}</p>"},
    )
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "{client_nmae}" in text and "{client_name}" in text  # lists the allowed ones
    assert _template_versions(app, template_id) == [1]

    saved = signed_in.submit(
        f"/documents/templates/{template_id}",
        {
            "name": "Licence",
            "body": '<h2>Licence</h2><p onclick="x()">For <b>{client_name}</b>: {usage_media}, '
            "{usage_territory} until {usage_expiry}, {fee}</p><script>alert(1)</script>"
            '<p><a href="javascript:alert(1)">x</a><img src="https://tracker.example/p.gif"></p>',
        },
    )
    assert saved.status_code == 302
    assert _template_versions(app, template_id) == [1, 2]
    page = signed_in.get(f"/documents/templates/{template_id}?job={usage_job}")
    html = page.get_data(as_text=True)
    assert "<script>alert" not in html and "onclick" not in html and "tracker.example" not in html
    assert "javascript:" not in html
    # The preview fills the placeholders with the job's real data, escaped.
    assert "For <b>Acme Studios</b>: Online &amp; social, UK until 9 November 2027" in html


def test_generate_stores_pdf_with_hash_and_version(
    app: Any, signed_in: Any, usage_job: str
) -> None:
    from minimin.core.storage import storage
    from minimin.documents.models import GeneratedDocument
    from minimin.extensions import db

    template_id = copy_starter(signed_in, "usage_licence")
    document_id = make_document(signed_in, template_id, usage_job)
    detail = signed_in.get(f"/documents/{document_id}").get_data(as_text=True)
    assert "Online &amp; social" in detail

    pdf = signed_in.get(f"/documents/{document_id}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(pdf.data)) as doc:
        text = "\n".join(page.extract_text() or "" for page in doc.pages)
    assert "Acme Studios" in text and "Online & social" in text and "9 November 2027" in text
    with app.app_context():
        row = db.session.get(GeneratedDocument, uuid.UUID(document_id))
        assert row is not None
        assert row.template_version == 1 and str(row.job_id) == usage_job
        assert row.pdf_sha256 == hashlib.sha256(storage().read(row.pdf_key)).hexdigest()

    # Editing the template later does not touch the document made from version 1.
    signed_in.submit(
        f"/documents/templates/{template_id}", {"name": "Licence", "body": "<p>{fee}</p>"}
    )
    assert signed_in.get(f"/documents/{document_id}/pdf").data == pdf.data
    # The job page links to it.
    assert f"/documents/{document_id}" in signed_in.get(f"/jobs/{usage_job}").get_data(as_text=True)
    # A PDF changed by one byte no longer matches its recorded hash; the original does.
    ok = signed_in.submit(
        "/documents/verify",
        {"file": (io.BytesIO(pdf.data), "d.pdf")},
        form_page="/documents",
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "has not been changed" in ok.get_data(as_text=True)
    changed = pdf.data.replace(b"%PDF-1.", b"%PDF-1 ", 1) + b"\n"
    bad = signed_in.submit(
        "/documents/verify",
        {"file": (io.BytesIO(changed), "d.pdf")},
        form_page="/documents",
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "does not match" in bad.get_data(as_text=True)


def test_other_users_documents_are_404(
    app: Any, signed_in: Any, usage_job: str, make_user: Any, login: Any
) -> None:
    template_id = copy_starter(signed_in, "letter")
    document_id = make_document(signed_in, template_id)
    other = make_user(email="other@example.com")
    stranger = app.test_client()
    login(stranger, other)
    for path in (
        f"/documents/{document_id}",
        f"/documents/{document_id}/pdf",
        f"/documents/templates/{template_id}",
    ):
        assert stranger.get(path).status_code == 404
    unknown = stranger.submit(
        "/documents/templates/copy", {"starter": "nope"}, form_page="/documents/templates"
    )
    assert unknown.status_code == 404
