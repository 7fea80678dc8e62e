"""Contract documents: the template library (written, copied from a starter, edited into new
versions) and the documents filled from a template for a job, a client or an agency, each
with the PDF stored when it was made. Signing stays on the pages: a signer signs in a browser."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from flask import Response
from flask_login import current_user
from pydantic import Field
from werkzeug.datastructures import FileStorage

from minimin.api import paging
from minimin.api.operations import PDF, operation
from minimin.api.problems import ApiProblem
from minimin.api.schemas import In, ListQuery, Out, Page, Text
from minimin.core.tenancy import owned_or_404
from minimin.documents import listing, services, starters
from minimin.documents import models as m
from minimin.documents.inputs import DocumentInput, StarterInput, TemplateInput
from minimin.documents.richtext import BODY_MAX

StarterKey = Literal[tuple(starters.BY_KEY)]  # type: ignore[valid-type]
#: The largest file the check compares (as the documents page reads it).
VERIFY_MAX = 20 * 1024 * 1024


class TemplateOut(Out):
    id: uuid.UUID
    name: str
    starter: str | None = Field(description="The starter it was copied from, if any.")
    version: int = Field(description="The current version; each change of text adds one.")
    body: str = Field(description="The current version's HTML, placeholders unfilled.")
    created_at: dt.datetime
    updated_at: dt.datetime


class TemplateIn(In):
    name: Text(m.NAME_MAX, min_length=1)  # type: ignore[valid-type]
    body: Text(BODY_MAX, min_length=1, multiline=True) = Field(  # type: ignore[valid-type]
        description="HTML of the allowed set (headings, paragraphs, lists, bold, italic, "
        "links) with placeholders such as {client_name}; anything else is removed."
    )

    def to_input(self) -> TemplateInput:
        return TemplateInput(name=self.name, body=self.body)


class TemplatePatch(In):
    """Only the members sent change; new text makes a new version (documents already made
    keep theirs)."""

    name: Text(m.NAME_MAX, min_length=1) = None  # type: ignore[valid-type]
    body: Text(BODY_MAX, min_length=1, multiline=True) = None  # type: ignore[valid-type]

    def merged(self, template: m.DocumentTemplate) -> TemplateInput:
        return TemplateInput(
            name=self.name if self.name is not None else template.name,
            body=self.body if self.body is not None else template.current.body_html,
        )


class StarterIn(In):
    starter: StarterKey = Field(  # type: ignore[valid-type]
        description="The key of a starter template: " + ", ".join(starters.BY_KEY) + "."
    )

    def to_input(self) -> StarterInput:
        return StarterInput(starter=self.starter)


class DocumentOut(Out):
    id: uuid.UUID
    title: str
    template_id: uuid.UUID | None
    template_version: int
    job_id: uuid.UUID | None
    client_id: uuid.UUID | None
    agency_id: uuid.UUID | None
    pdf_sha256: str = Field(description="SHA-256 of the PDF, as recorded when it was made.")
    created_at: dt.datetime


class DocumentIn(In):
    template_id: uuid.UUID
    title: Text(m.NAME_MAX) = Field(  # type: ignore[valid-type]
        default="", description="The template's name when left out."
    )
    job_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None

    def to_input(self) -> DocumentInput:
        return DocumentInput(
            template_id=self.template_id,
            title=self.title,
            job_id=self.job_id,
            client_id=self.client_id,
            agency_id=self.agency_id,
        )


class DocumentQuery(ListQuery):
    job_id: uuid.UUID | None = Field(default=None, description="Only the documents of a job.")


class VerifyOut(Out):
    matches: bool = Field(
        description="Whether the file is, byte for byte, a document or signed copy recorded "
        "in this account."
    )
    document_id: uuid.UUID | None = Field(description="The document it is (or is a copy of).")


def _template_out(template: m.DocumentTemplate) -> TemplateOut:
    return TemplateOut(
        id=template.id,
        name=template.name,
        starter=template.starter,
        version=template.current_version,
        body=template.current.body_html,
        created_at=template.created_at,
        updated_at=template.updated_at,
    )


@operation(
    "GET",
    "/document-templates",
    summary="List document templates",
    tag="documents",
    scope="documents:read",
    query=ListQuery,
    response=Page[TemplateOut],
)
def list_templates(query: ListQuery) -> Page[TemplateOut]:
    return paging.page(listing.templates(current_user.id), m.DocumentTemplate, query, _template_out)


@operation(
    "GET",
    "/document-templates/<template_id>",
    summary="One document template, with its current text",
    tag="documents",
    scope="documents:read",
    response=TemplateOut,
)
def get_template(template_id: str) -> TemplateOut:
    return _template_out(owned_or_404(m.DocumentTemplate, template_id))


@operation(
    "POST",
    "/document-templates",
    summary="Write a document template",
    tag="documents",
    scope="documents:write",
    body=TemplateIn,
    response=TemplateOut,
    status=201,
    covers=("documents.new_template",),
)
def create_template(body: TemplateIn) -> TemplateOut:
    """Unknown placeholders are refused (422 naming ``body``) with the list of those allowed."""
    return _template_out(services.create_template(current_user.id, body.to_input()))


@operation(
    "POST",
    "/document-templates/from-starter",
    summary="Copy a starter template into your library",
    tag="documents",
    scope="documents:write",
    body=StarterIn,
    response=TemplateOut,
    status=201,
    covers=("documents.copy_starter",),
)
def copy_starter(body: StarterIn) -> TemplateOut:
    """The starters are a starting point written for UK freelancers, not legal advice."""
    return _template_out(services.copy_starter(current_user.id, body.to_input()))


@operation(
    "PATCH",
    "/document-templates/<template_id>",
    summary="Rename a template or change its text",
    tag="documents",
    scope="documents:write",
    body=TemplatePatch,
    response=TemplateOut,
    covers=("documents.edit_template",),
    load=(m.DocumentTemplate, "template"),
)
def update_template(template: m.DocumentTemplate, body: TemplatePatch) -> TemplateOut:
    services.save_template(template, body.merged(template))
    return _template_out(template)


@operation(
    "GET",
    "/documents",
    summary="List documents",
    tag="documents",
    scope="documents:read",
    query=DocumentQuery,
    response=Page[DocumentOut],
)
def list_documents(query: DocumentQuery) -> Page[DocumentOut]:
    statement = listing.documents(current_user.id, job_id=query.job_id)
    return paging.page(statement, m.GeneratedDocument, query, DocumentOut.model_validate)


@operation(
    "GET",
    "/documents/<document_id>",
    summary="One document",
    tag="documents",
    scope="documents:read",
    response=DocumentOut,
)
def get_document(document_id: str) -> DocumentOut:
    return DocumentOut.model_validate(owned_or_404(m.GeneratedDocument, document_id))


@operation(
    "POST",
    "/documents",
    summary="Make a document from a template",
    tag="documents",
    scope="documents:write",
    body=DocumentIn,
    response=DocumentOut,
    status=201,
    covers=("documents.generate",),
)
def create_document(body: DocumentIn) -> DocumentOut:
    """Fills the template's placeholders from the job, client or agency named (each must be
    yours: another id is refused with 422 naming it), renders the PDF once and stores it with
    its SHA-256. Sending it for signature is done on the document's page."""
    return DocumentOut.model_validate(services.generate(current_user.id, body.to_input()))


@operation(
    "GET",
    "/documents/<document_id>/pdf",
    summary="The document's PDF",
    tag="documents",
    scope="documents:read",
    media=PDF,
)
def document_pdf(document_id: str) -> Response:
    document = owned_or_404(m.GeneratedDocument, document_id)
    response = Response(services.pdf_bytes(document), mimetype=PDF)
    response.headers["Content-Disposition"] = 'attachment; filename="document.pdf"'
    return response


@operation(
    "POST",
    "/documents/verify",
    summary="Check a PDF against the documents recorded",
    tag="documents",
    scope="documents:read",
    response=VerifyOut,
    upload="file",
    covers=("documents.verify",),
)
def verify_document(upload: FileStorage) -> VerifyOut:
    """Send the PDF as multipart/form-data in the part named ``file``: the answer says whether
    it is exactly (by SHA-256) a document or signed copy of this account."""
    data = upload.read(VERIFY_MAX + 1)
    if len(data) > VERIFY_MAX:
        raise ApiProblem(413, "The file is too large to check (20 MB at most).")
    found = services.recorded_hash_matches(current_user.id, data) if data else None
    if found is None:
        return VerifyOut(matches=False, document_id=None)
    document_id = found.id if isinstance(found, m.GeneratedDocument) else found.document_id
    return VerifyOut(matches=True, document_id=document_id)
