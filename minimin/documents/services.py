"""Templates (copied from the starter library, edited into new versions) and the documents
generated from them (rendered once to PDF, stored with their SHA-256). Services add and flush;
the request commits."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask import render_template
from flask_babel import gettext as _

from minimin.core.db import utcnow
from minimin.core.storage import save_in_transaction, storage
from minimin.core.user_error import UserError
from minimin.documents import placeholders, richtext, starters
from minimin.documents.context import values_for
from minimin.documents.inputs import DocumentInput, StarterInput, TemplateInput
from minimin.documents.models import NAME_MAX, DocumentTemplate, GeneratedDocument, TemplateVersion
from minimin.extensions import db


class DocumentError(UserError):
    """A template or document cannot be saved as given; the message says why."""


def check_body(body: str) -> str:
    """The cleaned body, or DocumentError naming unknown placeholders and the allowed ones."""
    if len(body) > richtext.BODY_MAX:
        raise DocumentError(_("The text is too long."))
    cleaned = richtext.normalise(body)
    if not cleaned:
        raise DocumentError(_("Write the text of the template."))
    unknown = placeholders.unknown(cleaned)
    if unknown:
        raise DocumentError(
            _(
                "Unknown placeholders: %(unknown)s. You can use: %(allowed)s.",
                unknown=", ".join("{" + name + "}" for name in unknown),
                allowed=", ".join("{" + name + "}" for name in placeholders.ALLOWED),
            )
        )
    return cleaned


def _check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DocumentError(_("Give the template a name."), "name")
    if len(name) > NAME_MAX:
        raise DocumentError(_("Keep the name to %(max)d characters.", max=NAME_MAX), "name")
    return name


def _checked_body(body: str) -> str:
    try:
        return check_body(body)
    except DocumentError as exc:
        raise DocumentError(exc.message, "body") from exc


def _add_version(template: DocumentTemplate, body: str, version: int) -> TemplateVersion:
    row = TemplateVersion(
        user_id=template.user_id, version=version, body_html=body, created_at=utcnow()
    )
    template.versions.append(row)
    template.current_version = version
    return row


def _new_template(
    user_id: uuid.UUID, data: TemplateInput, starter: str | None = None
) -> DocumentTemplate:
    template = DocumentTemplate(user_id=user_id, name=_check_name(data.name), starter=starter)
    _add_version(template, _checked_body(data.body), 1)
    db.session.add(template)
    db.session.flush()
    return template


def create_template(user_id: uuid.UUID, data: TemplateInput) -> DocumentTemplate:
    return _new_template(user_id, data)


def copy_starter(user_id: uuid.UUID, data: StarterInput) -> DocumentTemplate:
    starter = starters.BY_KEY.get(data.starter)
    if starter is None:
        raise DocumentError(_("There is no such starter template."), "starter")
    return _new_template(
        user_id, TemplateInput(name=str(starter.name), body=starter.body), data.starter
    )


def save_template(template: DocumentTemplate, data: TemplateInput) -> bool:
    """Rename and, if the text changed, add a new version; True when a version was added.
    Documents already generated keep the version they were made from."""
    template.name = _check_name(data.name)
    cleaned = _checked_body(data.body)
    if cleaned == template.current.body_html:
        db.session.flush()
        return False
    _add_version(template, cleaned, max(v.version for v in template.versions) + 1)
    db.session.flush()
    return True


def templates_of(user_id: uuid.UUID) -> list[DocumentTemplate]:
    return list(
        db.session.scalars(
            sa.select(DocumentTemplate)
            .where(DocumentTemplate.user_id == user_id)
            .order_by(DocumentTemplate.name)
        )
    )


def documents_of(user_id: uuid.UUID, *, job_id: uuid.UUID | None = None) -> list[GeneratedDocument]:
    query = sa.select(GeneratedDocument).where(GeneratedDocument.user_id == user_id)
    if job_id is not None:
        query = query.where(GeneratedDocument.job_id == job_id)
    return list(db.session.scalars(query.order_by(GeneratedDocument.created_at.desc()).limit(200)))


def fill(template: DocumentTemplate, user_id: uuid.UUID, **records: Any) -> str:
    """The current version's body with the placeholders filled from *records*."""
    return placeholders.substitute(template.current.body_html, values_for(user_id, **records))


def render_html(title: str, body_html: str, *, supplier_name: str = "") -> str:
    return render_template(
        "documents/pdf.html", title=title, body_html=body_html, supplier_name=supplier_name
    )


def _owned(model: type[Any], row_id: uuid.UUID | None, user_id: uuid.UUID, field: str) -> Any:
    if row_id is None:
        return None
    row = db.session.scalar(sa.select(model).where(model.id == row_id, model.user_id == user_id))
    if row is None:
        raise DocumentError(_("Choose one of your own records."), field)
    return row


def generate(user_id: uuid.UUID, data: DocumentInput) -> GeneratedDocument:
    """Fill the template for the records named, render it once to PDF and store it."""
    from minimin.contacts.models import Agency, Client
    from minimin.invoices.pdf import render_pdf, sha256
    from minimin.jobs.models import Job

    template: DocumentTemplate = _owned(DocumentTemplate, data.template_id, user_id, "template_id")
    job = _owned(Job, data.job_id, user_id, "job_id")
    client = _owned(Client, data.client_id, user_id, "client_id")
    agency = _owned(Agency, data.agency_id, user_id, "agency_id")
    title = " ".join((data.title or "").split()) or template.name
    if len(title) > NAME_MAX:
        raise DocumentError(_("Keep the title to %(max)d characters.", max=NAME_MAX), "title")
    values = values_for(template.user_id, job=job, client=client, agency=agency)
    body = placeholders.substitute(template.current.body_html, values)
    pdf = render_pdf(render_html(title, body, supplier_name=values["business_name"]))
    document = GeneratedDocument(
        user_id=template.user_id,
        title=title,
        template_id=template.id,
        template_version=template.current_version,
        job_id=job.id if job is not None else None,
        client_id=client.id if client is not None else (job.client_id if job else None),
        agency_id=agency.id if agency is not None else (job.agency_id if job else None),
        body_html=body,
        pdf_key=save_in_transaction(db.session, pdf, "application/pdf"),
        pdf_sha256=sha256(pdf),
    )
    db.session.add(document)
    db.session.flush()
    return document


def pdf_bytes(document: GeneratedDocument) -> bytes:
    return storage().read(document.pdf_key)


def recorded_hash_matches(user_id: uuid.UUID, data: bytes) -> GeneratedDocument | Any | None:
    """The user's document or signed copy whose recorded SHA-256 is that of *data*, if any."""
    from minimin.documents.models import SignatureRequest
    from minimin.invoices.pdf import sha256

    digest = sha256(data)
    found = db.session.scalar(
        sa.select(GeneratedDocument).where(
            GeneratedDocument.user_id == user_id, GeneratedDocument.pdf_sha256 == digest
        )
    )
    if found is not None:
        return found
    return db.session.scalar(
        sa.select(SignatureRequest).where(
            SignatureRequest.user_id == user_id, SignatureRequest.signed_sha256 == digest
        )
    )


#: How many of the latest jobs the generate form offers to fill a document from.
JOB_CHOICES = 200


def job_choices(user_id: uuid.UUID) -> list[tuple[uuid.UUID, str, Any]]:
    """The user's latest jobs (id, title, start date), newest start first."""
    from minimin.jobs.models import Job

    rows = db.session.execute(
        sa.select(Job.id, Job.title, Job.starts_on)
        .where(Job.user_id == user_id)
        .order_by(Job.starts_on.desc().nulls_last(), Job.title)
        .limit(JOB_CHOICES)
    )
    return [(row.id, row.title, row.starts_on) for row in rows]
