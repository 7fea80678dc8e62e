"""Document templates (versioned), documents generated from them, and signature requests.

A template's body is never edited in place: saving makes a new :class:`TemplateVersion` and a
generated document records the version it came from. A generated document is rendered once to
PDF and stored with its SHA-256 (as invoices are); the stored file is never changed. Signing
makes a new file, the signed copy, with the signatures and the signing certificate, stored with
its own SHA-256.

A signer's link token is stored only as its SHA-256 (``token_hash``, never exported); IP
addresses and user agents in the signing events are kept only as keyed hashes.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from minimin.core.db import Timestamps, UserOwned, UUIDPrimaryKey
from minimin.extensions import db

NAME_MAX = 200
EMAIL_MAX = 320
REASON_MAX = 1000
#: A drawn signature, as stored after re-encoding (the posted data URL is capped before).
SIGNATURE_PNG_MAX = 200_000

# Signature request statuses.
PENDING = "pending"
COMPLETED = "completed"
DECLINED = "declined"
VOIDED = "voided"
REQUEST_STATUSES = (PENDING, COMPLETED, DECLINED, VOIDED)
REQUEST_LABELS = {
    PENDING: _l("Waiting for signatures"),
    COMPLETED: _l("Signed by everyone"),
    DECLINED: _l("Declined"),
    VOIDED: _l("Voided"),
}

# Signer statuses (a signer who has opened the link but not signed is still pending).
SIGNED = "signed"
SIGNER_STATUSES = (PENDING, SIGNED, DECLINED)
SIGNER_LABELS = {PENDING: _l("Not signed yet"), SIGNED: _l("Signed"), DECLINED: _l("Declined")}

# Events on the signing certificate.
SENT = "sent"
VIEWED = "viewed"
AGREED = "agreed"
REMINDED = "reminded"
CODE_SENT = "code_sent"
EVENT_KINDS = (SENT, VIEWED, CODE_SENT, AGREED, SIGNED, DECLINED, REMINDED, VOIDED, COMPLETED)
EVENT_LABELS = {
    SENT: _l("Sent"),
    VIEWED: _l("Viewed"),
    AGREED: _l("Agreed to sign electronically"),
    SIGNED: _l("Signed"),
    DECLINED: _l("Declined"),
    REMINDED: _l("Reminded"),
    CODE_SENT: _l("One-time code emailed"),
    VOIDED: _l("Voided"),
    COMPLETED: _l("Completed"),
}

TYPED = "typed"
DRAWN = "drawn"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class DocumentTemplate(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "document_template"

    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    #: The starter it was copied from (starters.py), or None for one written from scratch.
    starter: Mapped[str | None] = mapped_column(sa.String(32))
    current_version: Mapped[int] = mapped_column(default=1)

    versions: Mapped[list[TemplateVersion]] = relationship(
        back_populates="template",
        cascade="all, delete-orphan",
        order_by="TemplateVersion.version",
        passive_deletes=True,
    )

    @property
    def current(self) -> TemplateVersion:
        return next(v for v in self.versions if v.version == self.current_version)


class TemplateVersion(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "document_template_version"
    __table_args__ = (sa.UniqueConstraint("template_id", "version"),)

    template_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("document_template.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column()
    #: Sanitised HTML (richtext.py) with placeholders still in it.
    body_html: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column()

    template: Mapped[DocumentTemplate] = relationship(back_populates="versions")


class GeneratedDocument(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "generated_document"

    title: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    template_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("document_template.id", ondelete="SET NULL"), index=True
    )
    template_version: Mapped[int] = mapped_column()
    job_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("job.id", ondelete="SET NULL"), index=True
    )
    client_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("client.id", ondelete="SET NULL")
    )
    agency_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("agency.id", ondelete="SET NULL")
    )
    #: The body with its placeholders filled in, as printed on the PDF.
    body_html: Mapped[str] = mapped_column(sa.Text)
    pdf_key: Mapped[str] = mapped_column(sa.String(64))
    pdf_sha256: Mapped[str] = mapped_column(sa.String(64))

    requests: Mapped[list[SignatureRequest]] = relationship(
        back_populates="document",
        cascade="all, delete-orphan",
        order_by="SignatureRequest.created_at.desc()",
        passive_deletes=True,
    )


class SignatureRequest(UUIDPrimaryKey, Timestamps, UserOwned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "signature_request"
    __table_args__ = (sa.CheckConstraint(_in("status", REQUEST_STATUSES), name="status_known"),)

    document_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("generated_document.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(16), default=PENDING)
    #: Signers sign one after the other (each is emailed when the one before has signed).
    in_order: Mapped[bool] = mapped_column(default=False)
    #: Each signer must enter a one-time code emailed to them before signing.
    require_code: Mapped[bool] = mapped_column(default=False)
    message: Mapped[str | None] = mapped_column(sa.Text)
    #: The SHA-256 of the document's PDF when it was sent (the certificate's "before").
    original_sha256: Mapped[str] = mapped_column(sa.String(64))
    #: The signed copy: the original pages, the signatures and the certificate.
    signed_file_key: Mapped[str | None] = mapped_column(sa.String(64))
    signed_sha256: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    completed_at: Mapped[dt.datetime | None] = mapped_column()

    document: Mapped[GeneratedDocument] = relationship(back_populates="requests")
    signers: Mapped[list[Signer]] = relationship(
        back_populates="request",
        cascade="all, delete-orphan",
        order_by="Signer.position",
        passive_deletes=True,
    )
    events: Mapped[list[SigningEvent]] = relationship(
        back_populates="request",
        cascade="all, delete-orphan",
        order_by="SigningEvent.at",
        passive_deletes=True,
    )

    @property
    def status_label(self) -> str:
        return str(REQUEST_LABELS.get(self.status, self.status))


class Signer(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "signature_signer"
    __table_args__ = (sa.CheckConstraint(_in("status", SIGNER_STATUSES), name="status_known"),)

    request_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("signature_request.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    email: Mapped[str] = mapped_column(sa.String(EMAIL_MAX))
    #: The account holder signing their own document (signs in the app, has no link).
    is_owner: Mapped[bool] = mapped_column(default=False)
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    token_expires_at: Mapped[dt.datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(16), default=PENDING)
    agreed_at: Mapped[dt.datetime | None] = mapped_column()
    signed_at: Mapped[dt.datetime | None] = mapped_column()
    signature_kind: Mapped[str | None] = mapped_column(sa.String(8))
    typed_name: Mapped[str | None] = mapped_column(sa.String(NAME_MAX))
    signature_png: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    decline_reason: Mapped[str | None] = mapped_column(sa.String(REASON_MAX))
    #: The one-time code emailed to the signer, only as a keyed hash, and its expiry.
    code_hash: Mapped[str | None] = mapped_column(sa.String(64))
    code_expires_at: Mapped[dt.datetime | None] = mapped_column()
    code_attempts: Mapped[int] = mapped_column(default=0)

    request: Mapped[SignatureRequest] = relationship(back_populates="signers")

    @property
    def status_label(self) -> str:
        return str(SIGNER_LABELS.get(self.status, self.status))


class SigningEvent(UUIDPrimaryKey, UserOwned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "signing_event"

    request_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("signature_request.id", ondelete="CASCADE"), index=True
    )
    signer_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("signature_signer.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(16))
    at: Mapped[dt.datetime] = mapped_column()
    #: Keyed hashes (core.crypto.hmac_id): the same address gives the same hash, nothing more.
    ip_hash: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent_hash: Mapped[str | None] = mapped_column(sa.String(64))
    detail: Mapped[str | None] = mapped_column(sa.String(REASON_MAX))

    request: Mapped[SignatureRequest] = relationship(back_populates="events")
    signer: Mapped[Signer | None] = relationship()

    @property
    def label(self) -> str:
        return str(EVENT_LABELS.get(self.kind, self.kind))
