"""Entering a remittance: a draft from :class:`RemittanceInput` (typed in, or read from an
agency's CSV or PDF by :mod:`minimin.remittances.parsers`), checked line by line, then updated,
deleted, listed, and the self-billing warning.

Every figure and text is checked here, not only in the form, because imports arrive here too.
Changing a matched remittance makes it a draft again: its match must be confirmed anew.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from minimin.contacts.models import Agency
from minimin.core.dates import uk_today
from minimin.core.user_error import CONFLICT
from minimin.extensions import db
from minimin.jobs.models import Job
from minimin.remittances.inputs import LineInput, RemittanceInput
from minimin.remittances.models import (
    DESCRIPTION_MAX,
    DRAFT,
    KINDS,
    MAX_LINES,
    MAX_PENCE,
    POSTED,
    REFERENCE_MAX,
    SELF_BILLED,
    Remittance,
    RemittanceLine,
)
from minimin.remittances.services.errors import RemittanceError


def _check_pence(
    value: int, what: Any, *, negative_ok: bool = False, field: str | None = None
) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RemittanceError(_l("%(what)s: enter an amount.", what=what), field)
    if value < 0 and not negative_ok:
        raise RemittanceError(_l("%(what)s must be zero or more.", what=what), field)
    if abs(value) > MAX_PENCE:
        raise RemittanceError(_l("%(what)s is too large.", what=what), field)


def owned_agency(user_id: uuid.UUID, agency_id: uuid.UUID | None) -> Agency:
    agency: Agency | None = (
        db.session.scalar(
            sa.select(Agency).where(Agency.id == agency_id, Agency.user_id == user_id)
        )
        if agency_id
        else None
    )
    if agency is None:
        raise RemittanceError(_l("Choose one of your agencies."), "agency_id")
    return agency


def _owned_job_ids(user_id: uuid.UUID, ids: Sequence[uuid.UUID | None]) -> None:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return
    found = set(
        db.session.scalars(sa.select(Job.id).where(Job.id.in_(wanted), Job.user_id == user_id))
    )
    if found != wanted:
        position = next(n for n, i in enumerate(ids) if i is not None and i not in found)
        raise RemittanceError(_l("Choose one of your own jobs."), f"lines.{position}.job_id")


def _check_text(value: str, limit: int, what: Any, field: str | None = None) -> str:
    from minimin.core.forms import check_text

    value = (value or "").strip()
    problem = check_text(value)
    if problem:
        raise RemittanceError(f"{what}: {problem}", field)
    if len(value) > limit:
        raise RemittanceError(
            _l("%(what)s: use at most %(n)d characters.", what=what, n=limit), field
        )
    return value


#: The amounts of a line, by the name of the form's and the API body's field.
_AMOUNTS = ("gross", "fee_vat", "commission", "commission_vat")


def _checked_lines(lines: Sequence[LineInput]) -> list[tuple[LineInput, str, str]]:
    """Each line with its reference and description trimmed, or the first refusal, on the
    line's field (``lines.<n>.<field>``)."""
    checked = []
    for index, line in enumerate(lines):
        what = _l("Line %(n)d", n=index + 1)
        for name in _AMOUNTS:
            _check_pence(getattr(line, f"{name}_pence"), what, field=f"lines.{index}.{name}")
        for name in ("expenses", "net"):
            _check_pence(
                getattr(line, f"{name}_pence"),
                what,
                negative_ok=True,
                field=f"lines.{index}.{name}",
            )
        reference = _check_text(line.reference, REFERENCE_MAX, what, f"lines.{index}.reference")
        description = _check_text(
            line.description, DESCRIPTION_MAX, what, f"lines.{index}.description"
        )
        checked.append((line, reference, description))
    return checked


def _apply(remittance: Remittance, user_id: uuid.UUID, data: RemittanceInput) -> None:
    if remittance.status == POSTED:
        raise RemittanceError(
            _l("A posted remittance is a record and cannot be changed."), code=CONFLICT
        )
    agency = owned_agency(user_id, data.agency_id)
    if data.kind not in KINDS:
        raise RemittanceError(_l("Choose the kind of document."), "kind")
    if not data.lines:
        raise RemittanceError(_l("Add at least one line."), "lines")
    if len(data.lines) > MAX_LINES:
        raise RemittanceError(
            _l("A remittance can have at most %(n)d lines.", n=MAX_LINES), "lines"
        )
    if not 1900 <= data.date.year <= 2100:
        raise RemittanceError(_l("Enter a year between 1900 and 2100."), "date")
    lines = _checked_lines(data.lines)
    _owned_job_ids(user_id, [line.job_id for line in data.lines])
    total = data.total_net_pence
    if total is None:
        total = sum(line.net_pence for line in data.lines)
    _check_pence(total, _l("The total net"), field="total_net")
    if data.source_file_id is not None:
        from minimin.files.models import StoredFile

        owner = db.session.scalar(
            sa.select(StoredFile.user_id).where(StoredFile.id == data.source_file_id)
        )
        if owner != user_id:
            raise RemittanceError(_l("That file does not exist."), "source_file_id")
        remittance.source_file_id = data.source_file_id

    remittance.agency_id = agency.id
    remittance.kind = data.kind
    remittance.date = data.date
    remittance.reference = (
        _check_text(data.reference, REFERENCE_MAX, _l("Reference"), "reference") or None
    )
    invoice_number = _check_text(
        data.agency_invoice_number, REFERENCE_MAX, _l("Invoice number"), "agency_invoice_number"
    )
    remittance.agency_invoice_number = (
        (invoice_number or None) if data.kind == SELF_BILLED else None
    )
    if data.kind == SELF_BILLED and not invoice_number:
        raise RemittanceError(
            _l("Enter the agency's invoice number of the self-billed invoice."),
            "agency_invoice_number",
        )
    remittance.currency = data.currency
    remittance.total_net_pence = total
    # Changing the figures of a matched remittance means the match must be confirmed again.
    remittance.status = DRAFT
    remittance.matched_at = None
    remittance.lines.clear()
    db.session.flush()
    for position, (line, reference, description) in enumerate(lines):
        remittance.lines.append(
            RemittanceLine(
                user_id=user_id,
                position=position,
                job_id=line.job_id,
                reference=reference or None,
                description=description or None,
                work_date=line.work_date,
                gross_pence=line.gross_pence,
                fee_vat_pence=line.fee_vat_pence,
                commission_pence=line.commission_pence,
                commission_vat_pence=line.commission_vat_pence,
                expenses_pence=line.expenses_pence,
                net_pence=line.net_pence,
            )
        )
    db.session.flush()


def create_remittance(user_id: uuid.UUID, data: RemittanceInput) -> Remittance:
    """A new draft remittance; raises :class:`RemittanceError` (nothing added) when refused."""
    remittance = Remittance(user_id=user_id, status=DRAFT)
    with db.session.no_autoflush:
        _apply(remittance, user_id, data)
    db.session.add(remittance)
    db.session.flush()
    return remittance


def update_remittance(remittance: Remittance, data: RemittanceInput) -> Remittance:
    """Replace the fields and lines of a draft or matched remittance (it becomes a draft)."""
    _apply(remittance, remittance.user_id, data)
    db.session.flush()
    return remittance


def delete_remittance(remittance: Remittance) -> None:
    if remittance.status == POSTED:
        raise RemittanceError(
            _l("A posted remittance is a record and cannot be deleted."), code=CONFLICT
        )
    db.session.delete(remittance)
    db.session.flush()


def load_remittance(user_id: uuid.UUID, remittance_id: uuid.UUID) -> Remittance | None:
    return db.session.scalar(
        sa.select(Remittance).where(Remittance.id == remittance_id, Remittance.user_id == user_id)
    )


def list_remittances(user_id: uuid.UUID, status: str | None = None) -> list[Remittance]:
    query = sa.select(Remittance).where(Remittance.user_id == user_id)
    if status:
        query = query.where(Remittance.status == status)
    return list(
        db.session.scalars(query.order_by(Remittance.date.desc(), Remittance.created_at.desc()))
    )


def self_billing_warning(agency: Agency, kind: str, on: dt.date | None = None) -> Any | None:
    """Why a self-billed statement from *agency* needs a look, or None.

    Self-billing needs a written agreement (VAT Notice 700/62), normally reviewed every 12
    months: the agency's record says whether one is on file and when it is due for review."""
    if kind != SELF_BILLED:
        return None
    if not agency.self_billing:
        return _l(
            "There is no self-billing agreement with %(agency)s on record. An agency may issue "
            "invoices on your behalf only under a written agreement: record it on the agency's "
            "page.",
            agency=agency.name,
        )
    if agency.self_billing_review_date and agency.self_billing_review_date < (on or uk_today()):
        return _l(
            "The self-billing agreement with %(agency)s was due for review on %(date)s.",
            agency=agency.name,
            date=agency.self_billing_review_date.strftime("%d/%m/%Y"),
        )
    return None
