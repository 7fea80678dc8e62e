"""Correction: every personal and business field of the user, the business profile, clients and
agencies is editable by the user through a form.

The table below maps each column (found by introspecting the models) to the page and form
field that edits it, or to the reason it is not the user's to edit. A column added to one of
these models without an entry fails ``test_every_column_has_an_entry``; each entry is proved by
submitting a change through the real form (all other fields as the page rendered them) and
reading the stored value back.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

BUSINESS = "/settings/business"
CLIENT = "/clients/{client}/edit"
AGENCY = "/agencies/{agency}/edit"


@dataclass(frozen=True)
class Edit:
    """Submit *value* for *field* in the form posting to *action* on *page*; expect *stored*.

    *value* None unticks a checkbox (the browser then sends nothing for it). *also*: other
    fields the form requires to change together with this one."""

    page: str
    action: str | None
    field: str
    value: str | None
    stored: Any
    also: tuple[tuple[str, str], ...] = ()


#: The business settings page holding each section's form.
BUSINESS_PAGES = {"invoices": "invoicing", "rates": "fees", "work-type": "details"}


def _business(section: str, field: str, value: str | None, stored: Any) -> Edit:
    page = f"{BUSINESS}/{BUSINESS_PAGES.get(section, section)}"
    return Edit(page, f"{BUSINESS}/{section}", field, value, stored)


def _client(field: str, value: str | None, stored: Any) -> Edit:
    return Edit(CLIENT, None, field, value, stored)


def _agency(field: str, value: str | None, stored: Any, **also: str) -> Edit:
    return Edit(AGENCY, None, field, value, stored, tuple(also.items()))


def _contact(edit: Any) -> dict[str, Edit]:
    """The contact fields clients and agencies share (ContactDetails)."""
    return {
        "name": edit("name", "Renamed Contact Ltd", "Renamed Contact Ltd"),
        "contact_name": edit("contact_name", "Alex Booker", "Alex Booker"),
        "email": edit("email", "accounts@renamed.example", "accounts@renamed.example"),
        "phone": edit("phone", "020 7946 0123", "+44 20 7946 0123"),
        "address_line1": edit("address_line1", "1 New Street", "1 New Street"),
        "address_line2": edit("address_line2", "Floor 2", "Floor 2"),
        "town": edit("town", "Leeds", "Leeds"),
        "postcode": edit("postcode", "ls1 4dy", "LS1 4DY"),
        "vat_number": edit("vat_number", "GB123456782", "GB123456782"),
        "payment_terms_days": edit("payment_terms_days", "14", 14),
        "notes": edit("notes", "Pays on the 1st", "Pays on the 1st"),
        # Last: another country changes how phone and postcode are read.
        "country": edit("country", "IE", "IE"),
    }


#: model table -> column -> how the user edits it. Order matters within a table: each edit
#: starts from the state the previous ones left.
EDITS: dict[str, dict[str, Edit]] = {
    "user": {
        "full_name": Edit(
            "/account", "/account/name", "full_name", "Pat Corrected", "Pat Corrected"
        ),
        # Changing the address needs the password and the link sent to the new address.
        "email": Edit(
            "/account", "/account/email", "new_email", "new@example.com", "new@example.com"
        ),
        "news_consent": Edit("/privacy", "/privacy/consent/communications/give", "", "", True),
        "theme": Edit("/account", "/preferences", "theme", "dark", "dark"),
        "locale": Edit("/account", "/preferences", "language", "cy", "cy"),
    },
    "business_profile": {
        "work_type": _business("work-type", "work_type", "both", "both"),
        "business_name": _business("details", "business_name", "Pat Studio", "Pat Studio"),
        "address_line1": _business("details", "address_line1", "2 Mill Lane", "2 Mill Lane"),
        "address_line2": _business("details", "address_line2", "Unit 4", "Unit 4"),
        "town": _business("details", "town", "York", "York"),
        "postcode": _business("details", "postcode", "yo1 7hh", "YO1 7HH"),
        "phone": _business("details", "phone", "020 7946 0999", "+442079460999"),
        "invoice_email": _business(
            "details", "invoice_email", "bills@pat.example", "bills@pat.example"
        ),
        "website": _business("details", "website", "https://pat.example", "https://pat.example"),
        "vat_number": _business("vat", "vat_number", "GB123456782", "GB123456782"),
        "vat_registration_date": _business(
            "vat", "vat_registration_date", "2021-05-01", date(2021, 5, 1)
        ),
        "flat_rate_percent": _business("vat", "flat_rate_percent", "12.5", Decimal("12.50")),
        "flat_rate_first_year": _business("vat", "flat_rate_first_year", "y", True),
        "vat_stagger": _business("vat", "vat_stagger", "monthly", "monthly"),
        "utr": _business("vat", "utr", "1955839661", "1955839661"),
        "vat_scheme": _business("vat", "vat_scheme", "standard", "standard"),
        "vat_registered": _business("vat", "vat_registered", None, False),
        "bank_account_name": _business("bank", "bank_account_name", "P CORRECTED", "P CORRECTED"),
        "bank_sort_code": _business("bank", "bank_sort_code", "20-00-00", "200000"),
        "bank_account_number": _business("bank", "bank_account_number", "55779911", "55779911"),
        "bank_iban": _business(
            "bank", "bank_iban", "GB82WEST12345698765432", "GB82WEST12345698765432"
        ),
        "bank_bic": _business("bank", "bank_bic", "NWBKGB2L", "NWBKGB2L"),
        "accountant_name": _business("accountant", "accountant_name", "Sam Sums", "Sam Sums"),
        "accountant_firm": _business("accountant", "accountant_firm", "Sums & Co", "Sums & Co"),
        "accountant_email": _business(
            "accountant", "accountant_email", "sam@sums.example", "sam@sums.example"
        ),
        "accountant_phone": _business(
            "accountant", "accountant_phone", "0113 496 0000", "+441134960000"
        ),
        "invoice_prefix": _business("invoices", "invoice_prefix", "PAT-", "PAT-"),
        "credit_note_prefix": _business("invoices", "credit_note_prefix", "PCN-", "PCN-"),
        "invoice_padding": _business("invoices", "invoice_padding", "6", 6),
        "next_invoice_number": _business("invoices", "next_invoice_number", "100", 100),
        "next_credit_note_number": _business("invoices", "next_credit_note_number", "50", 50),
        "payment_terms_days": _business("invoices", "payment_terms_days", "21", 21),
        "invoice_footer": _business("invoices", "invoice_footer", "Thank you", "Thank you"),
        "payment_notes": _business("invoices", "payment_notes", "Bank transfer", "Bank transfer"),
        "late_payment_text": _business(
            "invoices", "late_payment_text", "Interest applies", "Interest applies"
        ),
        "day_rate_pence": _business("rates", "day_rate", "450.00", 45000),
        "half_day_rate_pence": _business("rates", "half_day_rate", "250.50", 25050),
        "hourly_rate_pence": _business("rates", "hourly_rate", "60", 6000),
        "default_currency": _business("rates", "default_currency", "EUR", "EUR"),
    },
    "client": {
        **_contact(_client),
        "kind": _client("kind", "individual", "individual"),
    },
    "agency": {
        **_contact(_agency),
        "vat_registered": _agency("vat_registered", "y", True),
        "default_commission_percent": _agency(
            "default_commission_percent", "22.5", Decimal("22.5")
        ),
        "commission_vat_added": _agency("commission_vat_added", "y", True),
        "quoting": _agency(
            "quoting", "fee_plus_agency_fee", "fee_plus_agency_fee", agency_fee_percent="20"
        ),
        "agency_fee_percent": _agency("agency_fee_percent", "15", Decimal("15")),
        "mother_agency_name": _agency(
            "mother_agency_name", "Mother Models", "Mother Models", mother_agency_share_percent="50"
        ),
        "mother_agency_share_percent": _agency("mother_agency_share_percent", "30", Decimal("30")),
        "self_billing": _agency(
            "self_billing",
            "y",
            True,
            self_billing_start_date="2024-01-01",
            self_billing_review_date="2025-12-31",
        ),
        "self_billing_start_date": _agency(
            "self_billing_start_date", "2024-04-06", date(2024, 4, 6)
        ),
        "self_billing_review_date": _agency(
            "self_billing_review_date", "2026-04-05", date(2026, 4, 5)
        ),
        "self_billing_vat_number": _agency("self_billing_vat_number", "GB980780684", "GB980780684"),
    },
}

_ID = "primary key: generated, never shown as data"
_OWNER = "foreign key to the owner: set by the server, never by a form"
_CREATED = "timestamp kept by the database layer"
_UPDATED = "timestamp kept by the database layer on every change"

#: Columns that are not the user's to edit, with the reason.
NOT_EDITABLE: dict[str, dict[str, str]] = {
    "user": {
        "id": _ID,
        "created_at": _CREATED,
        "updated_at": _UPDATED,
        "email_key": "derived from email (the normalised address used for uniqueness)",
        "password_hash": "hash: the password is changed at /account/password and never stored",
        "password_changed_at": "timestamp of the last password change, set by the server",
        "email_verified_at": "system: set when the emailed verification link is followed",
        "last_login_at": "timestamp of the last sign-in",
        "is_admin": "system: granted only by `minimin create-admin`",
        "adult_confirmed_at": "timestamp of the 18+ confirmation at signup (a record, not data)",
        "terms_version": "system: the terms version accepted at signup (a record of the act)",
        "terms_accepted_at": "timestamp of accepting the terms",
        "privacy_version": "system: the privacy notice version shown at signup",
        "privacy_accepted_at": "timestamp of reading the privacy notice",
        "news_consent_at": "timestamp of the last product-news choice (set with news_consent)",
        "news_consent_version": "system: wording version of the product-news choice",
        "locked_until": "system: security lockout after failed sign-ins or by an admin",
    },
    "business_profile": {
        "id": _ID,
        "user_id": _OWNER,
        "created_at": _CREATED,
        "updated_at": _UPDATED,
        "onboarding_step": "system: progress through the guided setup",
        "logo_file_id": "foreign key to the uploaded logo file: replaced by uploading a new logo"
        " at /settings/business/logo (tests/functional/business)",
    },
    "client": {
        "id": _ID,
        "user_id": _OWNER,
        "created_at": _CREATED,
        "updated_at": _UPDATED,
        "archived_at": "timestamp: set by the Archive button, cleared by Unarchive",
    },
    "agency": {
        "id": _ID,
        "user_id": _OWNER,
        "created_at": _CREATED,
        "updated_at": _UPDATED,
        "archived_at": "timestamp: set by the Archive button, cleared by Unarchive",
        "self_billing_reminded_for": "system: which agreement review the reminder was sent for",
        "self_billing_reminded_at": "timestamp of the self-billing review reminder email",
    },
}

MODELS = {
    "user": ("minimin.accounts.models", "User"),
    "business_profile": ("minimin.business.models", "BusinessProfile"),
    "client": ("minimin.contacts.models", "Client"),
    "agency": ("minimin.contacts.models", "Agency"),
}


def _model(table: str) -> Any:
    import importlib

    module, name = MODELS[table]
    return getattr(importlib.import_module(module), name)


# -------------------------------------------------------------------------- the form reader


class _Forms(HTMLParser):
    """The POST forms of a page: action -> {field name: value as the browser would send it}."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._current: dict[str, str] | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._current = {}
            self.forms.append((a.get("action") or self.page, self._current))
        if self._current is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._current[name] = a.get("value") or "on"
            elif kind not in ("submit", "button", "file", "reset"):
                self._current[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
                self._current.setdefault(self._select, value)
            if "selected" in a:
                self._current[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            self._current[name] = ""

    def handle_data(self, data: str) -> None:
        if self._current is not None and self._textarea:
            self._current[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._current is not None and self._textarea:
                self._current[self._textarea] = self._current[self._textarea].removeprefix("\n")
            self._textarea = None
        elif tag == "form":
            self._current = None


def form_data(client: Any, page: str, action: str) -> dict[str, str]:
    response = client.get(page)
    assert response.status_code == 200, f"{page}: {response.status_code}"
    parser = _Forms(page)
    parser.feed(response.get_data(as_text=True))
    for form_action, fields in parser.forms:
        if form_action == action:
            return dict(fields)
    raise AssertionError(f"no form posting to {action} on {page}")


# -------------------------------------------------------------------------------- the tests


def test_every_column_has_an_entry(app: Any) -> None:
    with app.app_context():
        for table, edits in EDITS.items():
            columns = {c.name for c in _model(table).__table__.columns}
            listed = set(edits) | set(NOT_EDITABLE[table])
            assert not set(edits) & set(NOT_EDITABLE[table]), table
            missing = columns - listed
            assert not missing, (
                f"{table}: column(s) {sorted(missing)} have no entry in "
                "tests/functional/privacy/test_correction.py: say which form edits them "
                "(and add that form), or why the user does not edit them"
            )
            assert not listed - columns, f"{table}: stale entries {sorted(listed - columns)}"
            for name, reason in NOT_EDITABLE[table].items():
                assert len(reason) > 20, f"{table}.{name}: give a real reason"


def _seed(app: Any, user_id: uuid.UUID) -> dict[str, str]:
    """A business profile (VAT on the Flat Rate Scheme, bank details), a client and an agency."""
    from minimin.business.models import BusinessProfile
    from minimin.contacts.models import Agency, Client
    from minimin.extensions import db

    with app.app_context():
        db.session.add(
            BusinessProfile(
                user_id=user_id,
                onboarding_step="done",
                work_type="agency",
                business_name="Pat",
                vat_registered=True,
                vat_number="GB980780684",
                vat_scheme="flat_rate",
                flat_rate_percent=Decimal("14.5"),
                bank_account_name="PAT",
                bank_sort_code="40-47-84",
                bank_account_number="98761234",
            )
        )
        client = Client(user_id=user_id, name="Client Ltd", country="GB")
        agency = Agency(user_id=user_id, name="Agency Ltd", country="GB")
        db.session.add_all([client, agency])
        db.session.commit()
        ids = {"client": str(client.id), "agency": str(agency.id)}
        db.session.remove()
    return ids


def _stored(app: Any, table: str, column: str, user_id: uuid.UUID, ids: dict[str, str]) -> Any:
    from minimin.extensions import db

    model = _model(table)
    with app.app_context():
        try:
            if table == "user":
                where = model.id == user_id
            elif table in ids:
                where = model.id == uuid.UUID(ids[table])
            else:
                where = model.user_id == user_id
            return db.session.scalar(sa.select(getattr(model, column)).where(where))
        finally:
            db.session.remove()


def _errors(response: Any) -> list[str]:
    page = response.get_data(as_text=True)
    return re.findall(r"<span>([^<]+)</span>", page.split("<main", 1)[-1])


def _follow_email_change(client: Any, mailbox: Any, address: str) -> None:
    link = urlsplit(mailbox.last_link(address)).path
    response = client.submit(link, {})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize("table", list(EDITS))
def test_each_field_is_corrected_through_its_form(
    app: Any, client: Any, make_user: Any, login: Any, mailbox: Any, table: str
) -> None:
    user = make_user(email="pat@example.com", full_name="Pat Jones")
    ids = _seed(app, user.id)
    login(client, user)
    for column, edit in EDITS[table].items():
        before = _stored(app, table, column, user.id, ids)
        assert before != edit.stored, f"{table}.{column}: pick a value that differs"
        page = edit.page.format(**ids)
        action = (edit.action or edit.page).format(**ids)
        data = form_data(client, page, action)
        if edit.field:
            if edit.value is None:
                data.pop(edit.field, None)
            else:
                data[edit.field] = edit.value
        data.update(dict(edit.also))
        email_change = (table, column) == ("user", "email")
        if email_change:
            data["password"] = user.plain_password
        response = client.post(action, data=data)
        assert response.status_code == 302, (
            f"{table}.{column}: {response.status_code} {_errors(response)}"
        )
        if email_change:
            _follow_email_change(client, mailbox, edit.value or "")
        stored = _stored(app, table, column, user.id, ids)
        assert stored == edit.stored, f"{table}.{column}: stored {stored!r}"
