"""Sending a document for signature, the signers' actions, and completion.

Each signer who is not the account holder gets a link whose token is stored only hashed and
expires after :data:`LINK_DAYS`; a reminder issues a fresh link (the old one stops working). In
order, a signer is emailed only once the one before has signed. When everyone has signed, the
signed copy (the original pages, the signatures, the signing certificate) is stored with its
SHA-256 and emailed to every party. The original PDF is never changed. Services add and flush;
the request commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request, url_for
from flask_babel import gettext as _

from minimin.core.crypto import hash_token, hmac_id, new_token
from minimin.core.db import utcnow
from minimin.core.user_error import UserError
from minimin.documents.models import (
    AGREED,
    CODE_SENT,
    COMPLETED,
    DECLINED,
    DRAWN,
    EMAIL_MAX,
    NAME_MAX,
    PENDING,
    REASON_MAX,
    REMINDED,
    SENT,
    SIGNED,
    TYPED,
    VIEWED,
    VOIDED,
    GeneratedDocument,
    SignatureRequest,
    Signer,
    SigningEvent,
)
from minimin.extensions import db

LINK_DAYS = 14
MAX_SIGNERS = 6
CODE_MINUTES = 15
CODE_ATTEMPTS = 5


class SigningError(UserError):
    """A signing step cannot be done; the message says why."""


@dataclass(frozen=True)
class SignerInput:
    name: str
    email: str


@dataclass(frozen=True)
class SignatureRequestInput:
    """Who is asked to sign a document, and how (docs/decisions/0009-typed-service-inputs.md)."""

    signers: tuple[SignerInput, ...]
    #: The account holder signs too, first.
    owner_signs: bool = False
    #: Each signer is asked once the one before has signed.
    in_order: bool = False
    message: str | None = None
    #: Each signer confirms an emailed code before signing.
    require_code: bool = False


@dataclass(frozen=True)
class SignatureInput:
    """A signer's agreement and signature: a typed name, or a drawing (a PNG data URL)."""

    agreed: bool
    typed_name: str | None = None
    drawing: str | None = None
    #: The emailed code, when the request asks for one.
    code: str | None = None


@dataclass(frozen=True)
class DeclineInput:
    reason: str


# ----------------------------------------------------------------------------- events


def _client_hashes() -> tuple[str | None, str | None]:
    if not has_request_context():
        return None, None
    ip = request.remote_addr or "unknown"
    agent = request.headers.get("User-Agent", "")
    return hmac_id(ip, "signing-ip"), hmac_id(agent, "signing-agent")


def record(
    req: SignatureRequest, kind: str, signer: Signer | None = None, detail: str | None = None
) -> SigningEvent:
    ip_hash, agent_hash = _client_hashes()
    event = SigningEvent(
        user_id=req.user_id,
        signer_id=signer.id if signer is not None else None,
        kind=kind,
        at=utcnow(),
        ip_hash=ip_hash,
        user_agent_hash=agent_hash,
        detail=(detail or None) and detail[:REASON_MAX],
    )
    req.events.append(event)
    db.session.flush()
    return event


# ----------------------------------------------------------------------------- sending


def _check_signers(signers: list[SignerInput]) -> list[SignerInput]:
    from email_validator import EmailNotValidError, validate_email

    cleaned = []
    for item in signers:
        name = " ".join(item.name.split())
        email = item.email.strip()
        if not name and not email:
            continue
        if not name or len(name) > NAME_MAX:
            raise SigningError(_("Give each signer a name (up to 200 characters)."), "signers")
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise SigningError(
                _("%(email)s is not an email address.", email=item.email[:80]), "signers"
            ) from exc
        if len(email) > EMAIL_MAX:
            raise SigningError(_("That email address is too long."), "signers")
        cleaned.append(SignerInput(name, email))
    return cleaned


def send_for_signature(
    document: GeneratedDocument, data: SignatureRequestInput
) -> SignatureRequest:
    """Ask the signers (and the account holder, first, when they sign too) to sign
    *document*."""
    from minimin.accounts.models import User

    people = _check_signers(list(data.signers))
    if not people:
        raise SigningError(_("Add at least one signer with a name and email address."), "signers")
    if len(people) > MAX_SIGNERS:
        raise SigningError(_("Up to %(max)d signers at a time.", max=MAX_SIGNERS), "signers")
    req = SignatureRequest(
        user_id=document.user_id,
        document_id=document.id,
        status=PENDING,
        in_order=data.in_order,
        require_code=data.require_code,
        message=(data.message or "").strip()[:2000] or None,
        original_sha256=document.pdf_sha256,
    )
    owner = db.session.get(User, document.user_id) if data.owner_signs else None
    if owner is not None:
        req.signers.append(
            Signer(user_id=owner.id, name=owner.full_name, email=owner.email, is_owner=True)
        )
    for person in people:
        req.signers.append(Signer(user_id=document.user_id, name=person.name, email=person.email))
    for position, signer in enumerate(req.signers):
        signer.position = position
    db.session.add(req)
    db.session.flush()
    record(req, SENT, detail=", ".join(s.email for s in req.signers))
    _notify_due(req)
    return req


def due_signers(req: SignatureRequest) -> list[Signer]:
    """The signers who may sign now: all who have not, or the next one in order."""
    waiting = [s for s in req.signers if s.status == PENDING]
    return waiting[:1] if req.in_order else waiting


def _notify_due(req: SignatureRequest, *, reminder: bool = False) -> None:
    for signer in due_signers(req):
        if signer.is_owner:
            continue
        if signer.token_hash is not None and not reminder:
            continue  # already has a working link
        _email_link(req, signer, reminder=reminder)


def _email_link(req: SignatureRequest, signer: Signer, *, reminder: bool) -> None:
    from minimin.core.mail import queue_email
    from minimin.documents.context import values_for

    token = new_token()
    signer.token_hash = hash_token(token)
    signer.token_expires_at = utcnow() + dt.timedelta(days=LINK_DAYS)
    business = values_for(req.user_id)["business_name"]
    queue_email(
        to=signer.email,
        template="signing_request",
        context={
            "signer": signer,
            "req": req,
            "title": req.document.title,
            "business": business,
            "reminder": reminder,
            "link": url_for("signing_public.view", token=token, _external=True),
            "days": LINK_DAYS,
        },
        user_id=req.user_id,
        sender_name=business,
        reply_to=_owner_email(req),
    )


def _owner_email(req: SignatureRequest) -> str | None:
    from minimin.accounts.models import User

    user = db.session.get(User, req.user_id)
    return user.email if user is not None else None


# ----------------------------------------------------------------------------- the signer


def signer_for_token(token: str) -> Signer | None:
    """The signer whose live link this is; None for a wrong, expired or finished one."""
    if not token or len(token) > 200:
        return None
    signer: Signer | None = db.session.scalar(
        sa.select(Signer).where(Signer.token_hash == hash_token(token))
    )
    if signer is None or signer.token_expires_at is None or signer.token_expires_at < utcnow():
        return None
    if signer.request.status not in (PENDING, COMPLETED):
        return None
    return signer


def record_view(signer: Signer) -> None:
    if not any(e.kind == VIEWED and e.signer_id == signer.id for e in signer.request.events):
        record(signer.request, VIEWED, signer)


def _check_can_sign(signer: Signer) -> None:
    req = signer.request
    if req.status != PENDING or signer.status != PENDING:
        raise SigningError(_("This document can no longer be signed."))
    if signer not in due_signers(req):
        raise SigningError(_("Someone else signs before you: you will get an email then."))


def _code_hash(signer: Signer, code: str) -> str:
    return hmac_id(f"{signer.id}:{code}", "signing-code")


def send_code(signer: Signer) -> None:
    """Email *signer* a six-digit code valid for :data:`CODE_MINUTES` minutes."""
    import secrets

    from minimin.core.mail import queue_email

    _check_can_sign(signer)
    code = f"{secrets.randbelow(1_000_000):06d}"
    signer.code_hash = _code_hash(signer, code)
    signer.code_expires_at = utcnow() + dt.timedelta(minutes=CODE_MINUTES)
    signer.code_attempts = 0
    record(signer.request, CODE_SENT, signer)
    queue_email(
        to=signer.email,
        template="signing_code",
        context={"code": code, "minutes": CODE_MINUTES, "title": signer.request.document.title},
        # Not in the sender's email log: the sender must never be able to read the code that
        # proves the signer holds the mailbox.
        user_id=None,
    )


def _check_code(signer: Signer, code: str | None) -> None:
    if not signer.request.require_code or signer.is_owner:
        return
    if signer.code_hash is None or signer.code_expires_at is None:
        raise SigningError(_("Ask for a code by email first."), "code")
    if signer.code_expires_at < utcnow() or signer.code_attempts >= CODE_ATTEMPTS:
        raise SigningError(_("That code has expired. Ask for a new one."), "code")
    signer.code_attempts += 1
    if not code or _code_hash(signer, code.strip()) != signer.code_hash:
        raise SigningError(_("That code is not right. Check the email and try again."), "code")


def sign(signer: Signer, data: SignatureInput) -> None:
    """*signer* agrees to sign electronically and signs with a typed name or a drawing."""
    from minimin.documents.signing.images import png_from_data_url

    _check_can_sign(signer)
    _check_code(signer, data.code)
    drawing = data.drawing
    if not data.agreed:
        raise SigningError(_("Tick the box to agree to sign electronically."), "agree")
    typed = " ".join((data.typed_name or "").split())
    if drawing:
        signer.signature_png = png_from_data_url(drawing)
        signer.signature_kind = DRAWN
    elif typed:
        if len(typed) > NAME_MAX:
            raise SigningError(_("Keep the typed name to 200 characters."), "typed_name")
        signer.signature_kind = TYPED
    else:
        raise SigningError(_("Type your full name or draw your signature."), "typed_name")
    now = utcnow()
    signer.typed_name = typed or signer.name
    signer.agreed_at = now
    signer.signed_at = now
    signer.status = SIGNED
    signer.code_hash = None
    record(signer.request, AGREED, signer)
    record(signer.request, SIGNED, signer, detail=signer.typed_name)
    _advance(signer.request)


def decline(signer: Signer, data: DeclineInput) -> None:
    from minimin.core.mail import queue_email

    _check_can_sign(signer)
    reason = " ".join((data.reason or "").split())
    if not reason:
        raise SigningError(_("Say why you decline, so the sender knows."), "reason")
    signer.status = DECLINED
    signer.decline_reason = reason[:REASON_MAX]
    req = signer.request
    req.status = DECLINED
    record(req, DECLINED, signer, detail=signer.decline_reason)
    owner = _owner_email(req)
    if owner:
        queue_email(
            to=owner,
            template="signing_declined",
            context={"req": req, "signer": signer, "title": req.document.title},
            user_id=req.user_id,
        )


# ----------------------------------------------------------------------------- the sender


def void(req: SignatureRequest) -> None:
    if req.status != PENDING:
        raise SigningError(_("Only a request still waiting for signatures can be voided."))
    req.status = VOIDED
    for signer in req.signers:
        signer.token_hash = None
    record(req, VOIDED)


def remind(req: SignatureRequest) -> int:
    """Email a fresh link to each signer due to sign; returns how many were reminded."""
    if req.status != PENDING:
        raise SigningError(_("Only a request still waiting for signatures can be reminded."))
    due = [s for s in due_signers(req) if not s.is_owner]
    for signer in due:
        _email_link(req, signer, reminder=True)
        record(req, REMINDED, signer)
    return len(due)


def owner_signer(req: SignatureRequest) -> Signer | None:
    return next((s for s in req.signers if s.is_owner), None)


def owner_sign(req: SignatureRequest, data: SignatureInput) -> None:
    signer = owner_signer(req)
    if signer is None:
        raise SigningError(_("You are not a signer of this document."))
    # The account holder is signed in: no emailed code is asked of them.
    sign(signer, SignatureInput(data.agreed, data.typed_name, data.drawing))


# ----------------------------------------------------------------------------- completion


def _advance(req: SignatureRequest) -> None:
    if all(s.status == SIGNED for s in req.signers):
        complete(req)
    else:
        _notify_due(req)


def complete(req: SignatureRequest) -> None:
    """Store the signed copy with its SHA-256 and email it to every party."""
    from minimin.core.mail import Attachment, queue_email
    from minimin.core.storage import save_in_transaction
    from minimin.documents.signing.certificate import signed_pdf
    from minimin.invoices.pdf import sha256

    req.status = COMPLETED
    req.completed_at = utcnow()
    # The links keep working until they expire, to show each signer the signed copy.
    record(req, COMPLETED)
    data = signed_pdf(req)
    req.signed_file_key = save_in_transaction(db.session, data, "application/pdf")
    req.signed_sha256 = sha256(data)
    owner = _owner_email(req)
    recipients = {s.email.lower(): s.email for s in req.signers}
    if owner:
        recipients.setdefault(owner.lower(), owner)
    for address in recipients.values():
        queue_email(
            to=address,
            template="signing_completed",
            context={"req": req, "title": req.document.title},
            user_id=req.user_id,
            attachments=[Attachment("signed.pdf", "application/pdf", data)],
            reply_to=owner,
        )
    db.session.flush()


def requests_of(user_id: Any, *, limit: int = 100) -> list[SignatureRequest]:
    return list(
        db.session.scalars(
            sa.select(SignatureRequest)
            .where(SignatureRequest.user_id == user_id)
            .order_by(SignatureRequest.created_at.desc())
            .limit(limit)
        )
    )
