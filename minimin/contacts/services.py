"""Contact services: listing, saving, archiving and deleting clients and agencies, and the
self-billing review reminder. Services add and flush; the request (or task) commits."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from minimin.contacts import rules
from minimin.contacts.inputs import CONTACT_FIELDS, AgencyInput, ClientInput
from minimin.contacts.models import (
    OWNED_CHILD_TABLES,
    Agency,
    AgencyCommissionRate,
    Client,
)
from minimin.core import audit, listing_params
from minimin.core.db import utcnow
from minimin.core.paging import page_number
from minimin.core.templating import LONDON
from minimin.core.user_error import CONFLICT, UserError
from minimin.extensions import db

PAGE_SIZE = 50

Contact = TypeVar("Contact", Client, Agency)

#: sort key -> column name; the id is always the final tie-breaker so pages never overlap.
SORTS = {"name": "name", "created": "created_at", "terms": "payment_terms_days"}


def today_london() -> date:
    """Today's date in the UK (business dates are Europe/London dates)."""
    return datetime.now(LONDON).date()


# --------------------------------------------------------------------------- listing


@dataclass(frozen=True)
class ListQuery:
    """What a list page shows: parsed from the query string, always valid."""

    search: str = ""
    sort: str = "name"
    descending: bool = False
    page: int = 1
    archived: bool = False

    @classmethod
    def from_args(cls, args: Any) -> ListQuery:
        params = listing_params.parse(args, SORTS, "name")
        return cls(
            search=params.q,
            sort=params.sort,
            descending=params.descending,
            page=page_number(args),
            archived=args.get("archived") == "1",
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for a link to this list with *changes*."""
        values = {
            "q": self.search or None,
            "sort": self.sort if self.sort != "name" else None,
            "dir": "desc" if self.descending else None,
            "page": self.page if self.page > 1 else None,
            "archived": "1" if self.archived else None,
        }
        for key, value in changes.items():
            values[key] = value
        return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    pages: int
    query: ListQuery

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _list_conditions(model: type[Contact], user_id: uuid.UUID, query: ListQuery) -> list[Any]:
    conditions: list[Any] = [model.user_id == user_id]
    if query.archived:
        conditions.append(model.archived_at.is_not(None))
    else:
        conditions.append(model.archived_at.is_(None))
    if query.search:
        conditions.append(
            listing_params.contains(query.search, model.name, model.contact_name, model.email)
        )
    return conditions


def _list_order(model: type[Contact], query: ListQuery) -> list[Any]:
    column = getattr(model, SORTS[query.sort])
    if query.descending:
        return [column.desc().nulls_last(), model.id.desc()]
    return [column.asc().nulls_last(), model.id.asc()]


def all_contacts(model: type[Contact], user_id: uuid.UUID, query: ListQuery) -> list[Any]:
    """Every contact the list shows (all pages), in its order: one statement (CSV export)."""
    statement = (
        sa.select(model)
        .where(*_list_conditions(model, user_id, query))
        .order_by(*_list_order(model, query))
    )
    if model is Agency:
        statement = statement.options(sa.orm.lazyload(Agency.commission_rates))
    return list(db.session.scalars(statement))


def list_contacts(model: type[Contact], user_id: uuid.UUID, query: ListQuery) -> Page:
    """One page of the user's clients or agencies: exactly two SQL queries (count and page)."""
    conditions = _list_conditions(model, user_id, query)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*conditions))
    total = int(total or 0)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(query.page, pages)
    order = _list_order(model, query)
    statement = (
        sa.select(model)
        .where(*conditions)
        .order_by(*order)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    if model is Agency:
        # The list shows no commission rates: load them only if asked for.
        statement = statement.options(sa.orm.lazyload(Agency.commission_rates))
    items = list(db.session.scalars(statement))
    return Page(items=items, total=total, page=page, pages=pages, query=query)


# --------------------------------------------------------------------------- saving


def _apply(obj: Any, values: dict[str, Any]) -> None:
    for key, value in values.items():
        setattr(obj, key, value)


def _check(refusals: list[UserError]) -> None:
    """Refuse with the first reason (the page form shows them all, from the same rules)."""
    if refusals:
        raise refusals[0]


def _client_columns(data: ClientInput) -> dict[str, Any]:
    _check(rules.client_refusals(data.kind))
    return {name: getattr(data, name) for name in (*CONTACT_FIELDS, "kind")}


def create_client(user_id: uuid.UUID, data: ClientInput) -> Client:
    client = Client(user_id=user_id)
    _apply(client, _client_columns(data))
    db.session.add(client)
    db.session.flush()
    return client


def update_client(client: Client, data: ClientInput) -> Client:
    _apply(client, _client_columns(data))
    db.session.flush()
    return client


def set_commission_rates(agency: Agency, rates: dict[str, Decimal]) -> None:
    """Replace the agency's rates by kind of work with *rates* (codes from KINDS_OF_WORK)."""
    existing = {rate.kind_of_work: rate for rate in agency.commission_rates}
    for code, rate in existing.items():
        if code not in rates:
            agency.commission_rates.remove(rate)
    for code, percent in rates.items():
        if code in existing:
            existing[code].percent = percent
        else:
            agency.commission_rates.append(
                AgencyCommissionRate(user_id=agency.user_id, kind_of_work=code, percent=percent)
            )


def _apply_agency(agency: Agency, data: AgencyInput) -> None:
    _check(rules.agency_refusals(data))
    previous_review = agency.self_billing_review_date
    _apply(agency, rules.agency_columns(data))
    if agency.self_billing_review_date != previous_review:
        # A new review date gets its own reminder.
        agency.self_billing_reminded_for = None
        agency.self_billing_reminded_at = None
    set_commission_rates(agency, data.commission_rates)


def create_agency(user_id: uuid.UUID, data: AgencyInput) -> Agency:
    agency = Agency(user_id=user_id)
    _apply_agency(agency, data)
    db.session.add(agency)
    db.session.flush()
    return agency


def update_agency(agency: Agency, data: AgencyInput) -> Agency:
    _apply_agency(agency, data)
    db.session.flush()
    return agency


def archive(obj: Client | Agency) -> None:
    if obj.archived_at is None:
        obj.archived_at = utcnow()
        db.session.flush()


def unarchive(obj: Client | Agency) -> None:
    obj.archived_at = None
    db.session.flush()


# --------------------------------------------------------------------------- deleting

#: Labels for the tables known today; tables added later are named from their table name.
_REFERENCE_LABELS = {
    "job": _l("jobs"),
    "invoice": _l("invoices"),
    "credit_note": _l("credit notes"),
    "remittance": _l("remittance advices"),
    "expense": _l("expenses"),
    "payment": _l("payments"),
    "document": _l("documents"),
}


@dataclass(frozen=True)
class Reference:
    table: str
    count: int

    @property
    def label(self) -> str:
        known = _REFERENCE_LABELS.get(self.table)
        if known is not None:
            return str(known)
        return self.table.replace("_", " ") + "s"


class ContactInUse(UserError):
    """The record is referred to by other records and cannot be deleted (archive it instead):
    a refusal because of its state. ``references`` says what refers to it, per table."""

    def __init__(self, name: str, references: list[Reference]):
        # Read in the language of whoever is shown it, labels included.
        uses = LazyString(lambda: ", ".join(f"{r.count} {r.label}" for r in references))
        super().__init__(
            _l("%(name)s is still used by %(uses)s: archive it instead.", name=name, uses=uses),
            code=CONFLICT,
        )
        self.references = references


def references_to(obj: Client | Agency, metadata: sa.MetaData | None = None) -> list[Reference]:
    """Rows in any table that point at *obj* by a foreign key, counted per table.

    Found by inspecting the metadata, so tables added later (jobs, invoices, ...) are covered
    without a change here. The contact's own child rows (commission rates) do not count.
    """
    target = type(obj).__table__.name
    counts: dict[str, int] = {}
    for table in (metadata or db.Model.metadata).sorted_tables:
        if table.name in OWNED_CHILD_TABLES or table.name == target:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name != target or fk.column.name != "id":
                continue
            count = db.session.scalar(
                sa.select(sa.func.count()).select_from(table).where(fk.parent == obj.id)
            )
            if count:
                counts[table.name] = counts.get(table.name, 0) + int(count)
    return [Reference(table=name, count=count) for name, count in sorted(counts.items())]


def delete(obj: Client | Agency, *, actor_id: uuid.UUID | None = None) -> None:
    """Delete *obj*, or raise :class:`ContactInUse` if anything refers to it."""
    references = references_to(obj)
    if references:
        raise ContactInUse(obj.name, references)
    kind = "client" if isinstance(obj, Client) else "agency"
    audit.record(f"{kind}.deleted", user_id=obj.user_id, actor_id=actor_id, subject=obj.id)
    db.session.delete(obj)
    db.session.flush()


# --------------------------------------------------------------------------- self-billing reviews


def agreements_due_for_review(today: date, limit: int = 500) -> list[Agency]:
    """Self-billing agreements whose review date has come and whose owner was not yet told."""
    return list(
        db.session.scalars(
            sa.select(Agency)
            .where(
                Agency.self_billing.is_(True),
                Agency.archived_at.is_(None),
                Agency.self_billing_review_date.is_not(None),
                Agency.self_billing_review_date <= today,
                sa.or_(
                    Agency.self_billing_reminded_for.is_(None),
                    Agency.self_billing_reminded_for != Agency.self_billing_review_date,
                ),
            )
            .order_by(Agency.self_billing_review_date, Agency.id)
            .limit(limit)
        )
    )


def send_review_reminders(today: date | None = None) -> int:
    """Email each user whose self-billing agreement review date has come; once per review date.

    Returns how many reminders were queued. The outbox row and the "reminded" mark are written
    in the same transaction, so a second run sends nothing more.
    """
    from minimin.accounts.models import User
    from minimin.core.mail import queue_email

    today = today or today_london()
    sent = 0
    for agency in agreements_due_for_review(today):
        user = db.session.get(User, agency.user_id)
        if user is None:  # pragma: no cover - the row goes with its user (ON DELETE CASCADE)
            continue
        # In the user's language; this runs outside any request, in the daily job.
        with force_locale(user.locale or "en_GB"):
            queue_email(
                to=user.email,
                template="self_billing_review",
                context={
                    "user_name": user.full_name,
                    "agency_name": agency.name,
                    "review_date": agency.self_billing_review_date,
                    "start_date": agency.self_billing_start_date,
                    "agency_id": str(agency.id),
                },
                user_id=user.id,
            )
        agency.self_billing_reminded_for = agency.self_billing_review_date
        agency.self_billing_reminded_at = utcnow()
        sent += 1
    db.session.flush()
    return sent
