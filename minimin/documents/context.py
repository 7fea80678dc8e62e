"""The values of the placeholders for one document: the profile, the client or agency, the job.

Read from the live records when the document is generated; the generated document keeps the
filled-in text, so later changes to a job or contact never change a document already made.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from minimin.core.dates import uk_today
from minimin.extensions import db


def _date(value: Any) -> str:
    return f"{value.day} {value.strftime('%B %Y')}" if value else ""


def _address(contact: Any) -> str:
    return ", ".join(contact.address_lines) if contact is not None else ""


def _profile_values(user_id: uuid.UUID) -> dict[str, str]:
    from minimin.accounts.models import User
    from minimin.business.models import BusinessProfile
    from minimin.invoices.documents import supplier_snapshot

    user = db.session.get(User, user_id)
    profile = db.session.scalar(
        sa.select(BusinessProfile).where(BusinessProfile.user_id == user_id)
    )
    supplier = supplier_snapshot(profile) if profile is not None else {}
    name = user.full_name if user is not None else ""
    return {
        "your_name": name,
        "your_email": (supplier.get("email") or (user.email if user else "")) or "",
        "your_address": ", ".join(supplier.get("address_lines") or []),
        "business_name": supplier.get("name") or name,
        "today": _date(uk_today()),
    }


def _job_dates(job: Any) -> str:
    days = [d.day for d in job.dates]
    if not days:
        return ""
    if len(days) == 1:
        return _date(days[0])
    return f"{_date(days[0])} to {_date(days[-1])} ({len(days)} days)"


def _job_values(job: Any) -> dict[str, str]:
    from minimin.invoices.pdf import money
    from minimin.jobs.models import USAGE

    usage = next((line for line in job.fee_lines if line.kind == USAGE), None)
    return {
        "job_title": job.title,
        "job_dates": _job_dates(job),
        "job_location": job.location or "",
        "fee": money(job.gross_pence, job.currency) if job.gross_pence is not None else "",
        "cancellation_fee": money(job.cancellation_fee_pence, job.currency)
        if job.cancellation_fee_pence is not None
        else "",
        "usage_media": (usage.media or "") if usage else "",
        "usage_territory": (usage.territory or "") if usage else "",
        "usage_term": (usage.term or "") if usage else "",
        "usage_expiry": _date(usage.usage_expires_on) if usage else "",
    }


def values_for(
    user_id: uuid.UUID, *, job: Any = None, client: Any = None, agency: Any = None
) -> dict[str, str]:
    """Every placeholder's value for a document about *job* and/or *client* / *agency*
    (a job brings its own client and agency when none is given)."""
    from minimin.contacts.models import Agency, Client

    if job is not None:
        client = client or (db.session.get(Client, job.client_id) if job.client_id else None)
        agency = agency or (db.session.get(Agency, job.agency_id) if job.agency_id else None)
    values = _profile_values(user_id)
    values |= {
        "client_name": client.name if client else "",
        "client_contact": (client.contact_name or client.name) if client else "",
        "client_address": _address(client),
        "agency_name": agency.name if agency else "",
        "agency_contact": (agency.contact_name or agency.name) if agency else "",
        "agency_address": _address(agency),
    }
    if job is not None:
        values |= _job_values(job)
    return values
