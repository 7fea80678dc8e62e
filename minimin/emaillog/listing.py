"""The email log's query: the user's outbox rows, newest first, filtered by status, kind and a
search of recipient and subject; one page of plain rows and its count, two statements."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.core.mail import FAILED, QUEUED, RETRYING, SENT, OutboundEmail
from minimin.core.paging import page_offset
from minimin.extensions import db

PAGE_SIZE = 50
SEARCH_MAX = 100
STATUS_LABELS = {
    QUEUED: _l("Queued"),
    SENT: _l("Sent"),
    RETRYING: _l("Retrying"),
    FAILED: _l("Failed"),
}
#: Kinds of email sent on the user's behalf, by template name, with a label.
KIND_LABELS = {
    "invoice": _l("Invoice"),
    "reminder": _l("Payment reminder"),
    "quote": _l("Quote"),
    "signing_request": _l("Signing request"),
    "signing_completed": _l("Signed document"),
    "signing_declined": _l("Signing declined"),
    "usage_expiry": _l("Usage expiry"),
    "self_billing_review": _l("Self-billing review"),
    "export_share": _l("Shared export"),
    "statement": _l("Statement"),
}
#: Where an email of a kind is sent again: through the feature that sent it.
RESEND_ENDPOINTS = {
    "invoice": "invoices.index",
    "reminder": "invoices.index",
    "statement": "contacts.clients",
    "quote": "jobs.index",
    "signing_request": "documents.index",
    "signing_completed": "documents.index",
}


@dataclass(frozen=True)
class Filters:
    status: str = ""
    kind: str = ""
    q: str = ""

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        status = args.get("status", "")
        kind = args.get("kind", "")
        return cls(
            status=status if status in STATUS_LABELS else "",
            kind=kind if kind in KIND_LABELS else "",
            q=" ".join(str(args.get("q", "")).split())[:SEARCH_MAX],
        )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(user_id: uuid.UUID, filters: Filters) -> list[Any]:
    conditions: list[Any] = [OutboundEmail.user_id == user_id]
    if filters.status:
        conditions.append(OutboundEmail.status == filters.status)
    if filters.kind:
        conditions.append(OutboundEmail.kind == filters.kind)
    if filters.q:
        pattern = f"%{_escape_like(filters.q.lower())}%"
        conditions.append(
            sa.or_(
                sa.func.lower(OutboundEmail.to_address).like(pattern, escape="\\"),
                sa.func.lower(OutboundEmail.subject).like(pattern, escape="\\"),
            )
        )
    return conditions


def page_of(user_id: uuid.UUID, filters: Filters, page: int) -> tuple[list[Any], int]:
    """One page of rows (id, created_at, kind, to_address, subject, status, attempts,
    sent_at, last_error) and the number of matching emails."""
    where = _where(user_id, filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail).where(*where))
    rows = db.session.execute(
        sa.select(
            OutboundEmail.id,
            OutboundEmail.created_at,
            OutboundEmail.kind,
            OutboundEmail.to_address,
            OutboundEmail.subject,
            OutboundEmail.status,
            OutboundEmail.attempts,
            OutboundEmail.sent_at,
            OutboundEmail.last_error,
        )
        .where(*where)
        .order_by(OutboundEmail.created_at.desc(), OutboundEmail.id)
        .limit(PAGE_SIZE)
        .offset(page_offset(page, PAGE_SIZE))
    ).all()
    return list(rows), int(total or 0)
