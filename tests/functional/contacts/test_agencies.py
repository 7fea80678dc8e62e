"""Agencies: commission terms, quoting, mother-agency split, self-billing and its reminder."""

from __future__ import annotations

import html
import uuid
from datetime import date
from decimal import Decimal

import pytest

from minimin.contacts.models import Agency, AgencyCommissionRate
from tests.functional.contacts.conftest import count_rows, form_error, text_of

VALID = {
    "name": "Models One",
    "contact_name": "Bea Booker",
    "email": "bookings@models1.example.com",
    "phone": "020 7946 0001",
    "address_line1": "12 Kings Road",
    "town": "London",
    "postcode": "SW3 4RP",
    "country": "GB",
    "vat_registered": "y",
    "vat_number": "GB980780684",
    "payment_terms_days": "45",
    "default_commission_percent": "20",
    "rate_editorial": "10",
    "rate_tv_film": "12.5%",
    "commission_vat_added": "y",
    "quoting": "fee_inclusive",
}


def _load(app, agency_id):
    from minimin.extensions import db

    with app.app_context():
        obj = db.session.get(Agency, agency_id)
        _ = obj.commission_rates
        db.session.expunge_all()
        return obj


def _created_id(response):
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[-3000:]
    return uuid.UUID(response.headers["Location"].rsplit("/", 1)[1])


def test_add_an_agency_with_rates_by_kind_of_work(app, signed_in):
    agency_id = _created_id(signed_in.submit("/agencies/new", VALID))
    agency = _load(app, agency_id)
    assert agency.default_commission_percent == Decimal("20")
    assert agency.rates_by_kind == {"editorial": Decimal("10"), "tv_film": Decimal("12.5")}
    assert agency.commission_rate_for("editorial") == Decimal("10")
    assert agency.commission_rate_for("tv_film") == Decimal("12.500")
    assert agency.commission_rate_for("commercial") == Decimal("20")
    assert agency.commission_rate_for(None) == Decimal("20")
    assert agency.vat_registered and agency.commission_vat_added
    assert agency.quoting == "fee_inclusive" and agency.agency_fee_percent is None
    page = text_of(signed_in.get(f"/agencies/{agency_id}").get_data(as_text=True))
    assert (
        "Editorial 10%" in page and "TV / film 12.5%" in page and "Default commission 20%" in page
    )


def test_editing_rates_replaces_them(app, signed_in):
    agency_id = _created_id(signed_in.submit("/agencies/new", VALID))
    form = signed_in.get(f"/agencies/{agency_id}/edit").get_data(as_text=True)
    assert 'name="rate_editorial" type="text" value="10"' in form or 'value="10"' in form
    data = {**VALID, "rate_editorial": "", "rate_tv_film": "15", "rate_event": "0"}
    assert signed_in.submit(f"/agencies/{agency_id}/edit", data).status_code == 302
    agency = _load(app, agency_id)
    assert agency.rates_by_kind == {"tv_film": Decimal("15"), "event": Decimal("0")}
    assert agency.commission_rate_for("editorial") == Decimal("20")
    assert agency.commission_rate_for("event") == Decimal("0")


def test_fee_plus_agency_fee_and_mother_agency(app, signed_in):
    data = {
        **VALID,
        "quoting": "fee_plus_agency_fee",
        "agency_fee_percent": "20",
        "mother_agency_name": "Mother Mgmt",
        "mother_agency_share_percent": "33.333",
    }
    agency = _load(app, _created_id(signed_in.submit("/agencies/new", data)))
    assert agency.quoting == "fee_plus_agency_fee"
    assert agency.agency_fee_percent == Decimal("20")
    assert agency.mother_agency_name == "Mother Mgmt"
    assert agency.mother_agency_share_percent == Decimal("33.333")


def test_fee_inclusive_drops_a_stray_agency_fee(app, signed_in):
    data = {**VALID, "quoting": "fee_inclusive", "agency_fee_percent": "20"}
    agency = _load(app, _created_id(signed_in.submit("/agencies/new", data)))
    assert agency.agency_fee_percent is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": " "}, "Enter the agency's name."),
        ({"default_commission_percent": ""}, "Enter a percentage, for example 15."),
        ({"default_commission_percent": "101"}, "cannot be more than 100"),
        ({"default_commission_percent": "-1"}, "between 0 and 100"),
        ({"default_commission_percent": "NaN"}, "between 0 and 100"),
        ({"default_commission_percent": "Infinity"}, "between 0 and 100"),
        ({"default_commission_percent": "1e2"}, "between 0 and 100"),
        ({"default_commission_percent": "12.3456"}, "at most 3 decimal places"),
        ({"rate_editorial": "ten"}, "between 0 and 100"),
        ({"rate_editorial": "100.001"}, "cannot be more than 100"),
        ({"vat_number": ""}, "Enter the agency's VAT number, or untick"),
        ({"vat_number": "GB980780685"}, "not a valid UK VAT number"),
        ({"vat_registered": "", "vat_number": ""}, "cannot add VAT to its commission"),
        ({"quoting": "fee_plus_agency_fee"}, "Enter the agency fee percentage"),
        ({"quoting": "whatever"}, "Choose how this agency quotes fees."),
        ({"mother_agency_name": "Mother"}, "Enter the mother agency's share"),
        ({"mother_agency_share_percent": "50"}, "Enter the mother agency's name"),
        ({"self_billing": "y"}, "Enter the date the self-billing agreement started."),
        ({"self_billing": "y", "self_billing_start_date": "2025-02-30"}, "Enter a real date"),
        ({"self_billing": "y", "self_billing_start_date": "0001-01-01"}, "between 1990 and 2100"),
        ({"self_billing": "y", "self_billing_start_date": "2500-01-01"}, "between 1990 and 2100"),
        (
            {
                "self_billing": "y",
                "self_billing_start_date": "2025-06-01",
                "self_billing_review_date": "2025-05-01",
            },
            "The review date must be after the start date.",
        ),
        (
            {
                "self_billing": "y",
                "self_billing_start_date": "2025-06-01",
                "self_billing_vat_number": "GB123",
            },
            "not a valid UK VAT number",
        ),
        ({"payment_terms_days": "1e3"}, "whole number of days"),
    ],
)
def test_specific_messages_and_nothing_stored(app, signed_in, changes, message):
    response = signed_in.submit("/agencies/new", {**VALID, **changes})
    assert response.status_code == 400
    body = html.unescape(response.get_data(as_text=True))
    assert form_error(body)
    assert message in body
    assert count_rows(app, Agency) == 0
    assert count_rows(app, AgencyCommissionRate) == 0


def test_self_billing_review_defaults_to_twelve_months(app, signed_in):
    data = {**VALID, "self_billing": "y", "self_billing_start_date": "29/02/2024"}
    agency = _load(app, _created_id(signed_in.submit("/agencies/new", data)))
    assert agency.self_billing_start_date == date(2024, 2, 29)
    assert agency.self_billing_review_date == date(2025, 2, 28)
    # The agreement records the agency's VAT number when none is typed for it.
    assert agency.self_billing_vat_number == "GB980780684"


def test_turning_self_billing_off_clears_its_dates(app, signed_in):
    data = {**VALID, "self_billing": "y", "self_billing_start_date": "2025-04-06"}
    agency_id = _created_id(signed_in.submit("/agencies/new", data))
    data = {**VALID, "self_billing_start_date": "2025-04-06"}
    assert signed_in.submit(f"/agencies/{agency_id}/edit", data).status_code == 302
    agency = _load(app, agency_id)
    assert not agency.self_billing
    assert agency.self_billing_start_date is None and agency.self_billing_review_date is None


def _run_reminders(app, today):
    from minimin.contacts import services
    from minimin.core import db as core_db
    from minimin.extensions import db

    with app.app_context():
        count = services.send_review_reminders(today)
        core_db.commit(db.session)
        return count


def test_review_reminder_is_sent_once_on_the_review_date(app, owner, add_agency, mailbox):
    agency_id = add_agency(
        owner,
        name="Self Billers",
        self_billing=True,
        self_billing_start_date=date(2025, 5, 1),
        self_billing_review_date=date(2026, 5, 1),
    )
    add_agency(owner, name="No Agreement")
    assert _run_reminders(app, date(2026, 4, 30)) == 0
    assert mailbox.to(owner.email) == []
    assert _run_reminders(app, date(2026, 5, 1)) == 1
    messages = mailbox.to(owner.email)
    assert len(messages) == 1
    assert "Self Billers" in messages[0]["Subject"]
    body = mailbox.text(messages[0])
    assert "1 May 2026" in body and f"/agencies/{agency_id}" in body
    # Runs on the next days send nothing more.
    assert _run_reminders(app, date(2026, 5, 2)) == 0
    assert len(mailbox.to(owner.email)) == 1
    agency = _load(app, agency_id)
    assert agency.self_billing_reminded_for == date(2026, 5, 1)
    assert agency.self_billing_reminded_at is not None


def test_a_new_review_date_gets_its_own_reminder(app, signed_in, owner, mailbox):
    data = {**VALID, "self_billing": "y", "self_billing_start_date": "2024-05-01"}
    agency_id = _created_id(signed_in.submit("/agencies/new", data))
    assert _run_reminders(app, date(2025, 5, 1)) == 1
    data = {**data, "self_billing_start_date": "2025-05-01"}
    assert signed_in.submit(f"/agencies/{agency_id}/edit", data).status_code == 302
    assert _run_reminders(app, date(2025, 6, 1)) == 0
    assert _run_reminders(app, date(2026, 5, 1)) == 1
    assert len(mailbox.to(owner.email)) == 2


def test_the_periodic_task_is_registered_daily_and_runs(app, owner, add_agency, mailbox):
    from datetime import timedelta

    from minimin.contacts.services import today_london
    from minimin.contacts.tasks import self_billing_review_reminders
    from minimin.core.tasks import PERIODIC

    assert PERIODIC["self-billing-review-reminders"] == (
        "minimin.contacts.self_billing_review_reminders",
        timedelta(days=1),
    )
    add_agency(
        owner,
        self_billing=True,
        self_billing_start_date=today_london() - timedelta(days=400),
        self_billing_review_date=today_london() - timedelta(days=35),
    )
    with app.app_context():
        assert self_billing_review_reminders.apply().get() == 1
        assert self_billing_review_reminders.apply().get() == 0
    assert len(mailbox.to(owner.email)) == 1


def test_archived_agencies_are_not_reminded(app, owner, add_agency):
    from minimin.core.db import utcnow

    add_agency(
        owner,
        self_billing=True,
        self_billing_start_date=date(2025, 5, 1),
        self_billing_review_date=date(2026, 5, 1),
        archived_at=utcnow(),
    )
    assert _run_reminders(app, date(2026, 6, 1)) == 0


def test_detail_page_warns_when_the_review_is_due(signed_in, owner, add_agency):
    agency_id = add_agency(
        owner,
        self_billing=True,
        self_billing_start_date=date(2020, 5, 1),
        self_billing_review_date=date(2021, 5, 1),
    )
    page = text_of(signed_in.get(f"/agencies/{agency_id}").get_data(as_text=True))
    assert "was due for review on 1 May 2021" in page


def test_deleting_an_agency_removes_its_rates(app, signed_in):
    agency_id = _created_id(signed_in.submit("/agencies/new", VALID))
    assert count_rows(app, AgencyCommissionRate) == 2
    assert signed_in.submit(f"/agencies/{agency_id}/delete").status_code == 302
    assert count_rows(app, Agency) == 0
    assert count_rows(app, AgencyCommissionRate) == 0
