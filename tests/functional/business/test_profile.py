"""The business profile page: each section saves on its own, with specific messages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

PAGE = "/settings/business"


def test_page_needs_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_empty_page_renders_every_section(signed_in):
    # The old single page now opens the first of the settings pages.
    moved = signed_in.get(PAGE)
    assert moved.status_code == 302 and moved.headers["Location"].endswith(f"{PAGE}/details")
    body = ""
    for page in ("details", "vat", "invoicing", "bank", "fees", "accountant", "branding"):
        response = signed_in.get(f"{PAGE}/{page}")
        assert response.status_code == 200, page
        text = response.get_data(as_text=True)
        assert f'href="{PAGE}/{page}" aria-current="page"' in text
        body += text
    for heading in (
        "How you work",
        "Business details",
        "VAT and tax",
        "Bank details",
        "Accountant",
        "Logo",
        "Invoice defaults",
        "Rates",
    ):
        assert heading in body
    assert 'href="/settings/business"' in body  # the navigation entry
    # Each page holds only its own sections.
    details = signed_in.get(f"{PAGE}/details").get_data(as_text=True)
    assert "Invoice defaults" not in details and 'id="h-bank"' not in details


def test_details_are_saved_normalised(signed_in, user, profile_of):
    response = signed_in.submit(
        f"{PAGE}/details",
        {
            "business_name": "  Ann Smith Photography ",
            "address_line1": "1 High Street",
            "town": "London",
            "postcode": "sw1a1aa",
            "phone": "020 7123 4567",
            "invoice_email": "ann@example.com",
            "website": "example.com",
        },
        form_page=PAGE,
    )
    assert response.status_code == 302
    profile = profile_of(user)
    assert profile.business_name == "Ann Smith Photography"
    assert profile.postcode == "SW1A 1AA"
    assert profile.phone == "+442071234567"
    assert profile.website == "https://example.com"
    page = signed_in.get(f"{PAGE}/details").get_data(as_text=True)
    assert "020 7123 4567" in page and "SW1A 1AA" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postcode", "XX1 1XX", "Enter a UK postcode, like SW1A 1AA."),
        ("phone", "12345", "Enter a phone number"),
        ("invoice_email", "not-an-email", "Enter an email address, like name@example.com."),
        ("website", "javascript:alert(1)", "starts with https:// or http://"),
        ("website", "ftp://example.com", "starts with https:// or http://"),
    ],
)
def test_bad_details_name_the_field_and_store_nothing(
    signed_in, user, profile_of, field, value, message
):
    data = {"business_name": "Ann", "postcode": "SW1A 1AA", field: value}
    response = signed_in.submit(f"{PAGE}/details", data, form_page=PAGE)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message.replace("'", "&#39;") in body
    assert profile_of(user) is None


def test_vat_number_check_digits(signed_in, user, profile_of):
    bad = signed_in.submit(
        f"{PAGE}/vat",
        {
            "vat_registered": "y",
            "vat_number": "GB980780685",
            "vat_scheme": "standard",
        },
        form_page=PAGE,
    )
    assert bad.status_code == 400
    assert "valid check digits" in bad.get_data(as_text=True)
    assert profile_of(user) is None

    good = signed_in.submit(
        f"{PAGE}/vat",
        {
            "vat_registered": "y",
            "vat_number": "gb 980 7806 84",
            "vat_scheme": "flat_rate",
            "flat_rate_percent": "14.5",
            "flat_rate_first_year": "y",
            "vat_registration_date": "2024-04-01",
            "vat_stagger": "2",
            "utr": "1955839661",
        },
        form_page=PAGE,
    )
    assert good.status_code == 302
    profile = profile_of(user)
    assert profile.vat_registered is True
    assert profile.vat_number == "GB980780684"
    assert profile.vat_registration_date == date(2024, 4, 1)
    assert profile.flat_rate_percent == Decimal("14.5")
    assert profile.effective_flat_rate == Decimal("13.5")
    assert profile.utr == "1955839661"
    assert profile.vat_stagger == "2"


def test_limited_cost_trader_rate(signed_in, user, profile_of):
    response = signed_in.submit(
        f"{PAGE}/vat",
        {
            "vat_registered": "y",
            "vat_number": "GB980780684",
            "vat_scheme": "flat_rate_lct",
        },
        form_page=PAGE,
    )
    assert response.status_code == 302
    assert profile_of(user).effective_flat_rate == Decimal("16.5")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"vat_registered": "y", "vat_scheme": "standard"}, "Enter your VAT number"),
        (
            {"vat_registered": "y", "vat_number": "GB980780684"},
            "Choose your VAT accounting scheme.",
        ),
        (
            {"vat_registered": "y", "vat_number": "GB980780684", "vat_scheme": "flat_rate"},
            "flat rate percentage",
        ),
        ({"vat_registration_date": "2025-02-30"}, "Enter a real date, like 2024-04-01."),
        ({"vat_registration_date": "0001-01-01"}, "between 1 April 1973 and next year"),
        ({"vat_scheme": "bogus"}, "Choose one of the VAT schemes listed."),
        ({"vat_stagger": "9"}, "Choose one of the VAT return periods listed."),
        ({"utr": "12345"}, "10 digits"),
        ({"utr": "1955839662"}, "check digit is wrong"),
        ({"flat_rate_percent": "NaN"}, "flat rate percentage"),
        ({"flat_rate_percent": "55"}, "flat rate percentage"),
    ],
)
def test_bad_vat_input(signed_in, user, profile_of, data, message):
    response = signed_in.submit(f"{PAGE}/vat", data, form_page=PAGE)
    assert response.status_code == 400
    assert message.replace("'", "&#39;") in response.get_data(as_text=True)
    assert profile_of(user) is None


def test_a_bad_section_does_not_change_another(signed_in, user, profile_of):
    signed_in.submit(f"{PAGE}/details", {"business_name": "Kept"}, form_page=PAGE)
    response = signed_in.submit(f"{PAGE}/accountant", {"accountant_email": "nope"}, form_page=PAGE)
    assert response.status_code == 400
    profile = profile_of(user)
    assert profile.business_name == "Kept"
    assert profile.accountant_email is None


def test_accountant_saved(signed_in, user, profile_of):
    response = signed_in.submit(
        f"{PAGE}/accountant",
        {
            "accountant_name": "Bea Jones",
            "accountant_firm": "Jones & Co",
            "accountant_email": "bea@jones.example",
            "accountant_phone": "07911 123456",
        },
        form_page=PAGE,
    )
    assert response.status_code == 302
    profile = profile_of(user)
    assert (profile.accountant_name, profile.accountant_phone) == ("Bea Jones", "+447911123456")


def test_work_type(signed_in, user, profile_of):
    assert (
        signed_in.submit(f"{PAGE}/work-type", {"work_type": "both"}, form_page=PAGE).status_code
        == 302
    )
    assert profile_of(user).work_type == "both"
    bad = signed_in.submit(f"{PAGE}/work-type", {"work_type": "pirate"}, form_page=PAGE)
    assert bad.status_code == 400
    assert "Choose how you work" in bad.get_data(as_text=True)
    assert profile_of(user).work_type == "both"


def test_rates_in_pence_and_currency(signed_in, user, profile_of):
    response = signed_in.submit(
        f"{PAGE}/rates",
        {
            "day_rate": "1,250.50",
            "half_day_rate": "€700",
            "hourly_rate": "",
            "default_currency": "EUR",
        },
        form_page=PAGE,
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    profile = profile_of(user)
    assert profile.day_rate_pence == 125050
    assert profile.half_day_rate_pence == 70000
    assert profile.hourly_rate_pence is None
    assert profile.default_currency == "EUR"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("NaN", "not NaN or infinity"),
        ("Infinity", "not NaN or infinity"),
        ("1e999999", "without an exponent"),
        ("12.345", "at most 2 decimal places"),
        ("-5", "zero or more"),
        ("99999999999999999", "no larger than"),
        ("ten pounds", "in figures"),
    ],
)
def test_bad_rates(signed_in, user, profile_of, value, message):
    response = signed_in.submit(
        f"{PAGE}/rates", {"day_rate": value, "default_currency": "GBP"}, form_page=PAGE
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert profile_of(user) is None


def test_unknown_currency_refused(signed_in, user, profile_of):
    response = signed_in.submit(f"{PAGE}/rates", {"default_currency": "XXX"}, form_page=PAGE)
    assert response.status_code == 400
    assert "Choose a currency from the list" in response.get_data(as_text=True)


def test_invoice_defaults(signed_in, user, profile_of):
    response = signed_in.submit(
        f"{PAGE}/invoices",
        {
            "invoice_prefix": "AS-",
            "credit_note_prefix": "ASC-",
            "invoice_padding": "5",
            "next_invoice_number": "120",
            "next_credit_note_number": "3",
            "payment_terms_days": "14",
            "invoice_footer": "Thank you.\nAnn",
            "payment_notes": "Quote the invoice number.",
            "late_payment_text": "Interest applies.",
        },
        form_page=PAGE,
    )
    assert response.status_code == 302
    profile = profile_of(user)
    assert profile.format_invoice_number(profile.next_invoice_number) == "AS-00120"
    assert profile.next_credit_note_number == 3
    assert profile.payment_terms_days == 14
    assert profile.invoice_footer == "Thank you.\nAnn"
    assert "AS-00120" in signed_in.get(f"{PAGE}/invoicing").get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("invoice_prefix", "INV<script>", "Use only letters, digits"),
        ("invoice_padding", "11", "from 0 to 10"),
        ("next_invoice_number", "0", "from 1 to"),
        ("next_invoice_number", "1e3", "whole number in figures"),
        ("next_invoice_number", "9" * 5000, "Field cannot be longer than 12 characters"),
        ("payment_terms_days", "-1", "whole number in figures"),
        ("payment_terms_days", "", "Enter a number, like 30."),
    ],
)
def test_bad_invoice_defaults(signed_in, user, profile_of, field, value, message):
    data = {
        "invoice_prefix": "INV-",
        "credit_note_prefix": "CN-",
        "invoice_padding": "4",
        "next_invoice_number": "1",
        "next_credit_note_number": "1",
        "payment_terms_days": "30",
        field: value,
    }
    response = signed_in.submit(f"{PAGE}/invoices", data, form_page=PAGE)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert profile_of(user) is None


def test_next_number_never_below_an_issued_number(app, signed_in, user, profile_of):
    from minimin.business.services import register_issued_number_source

    register_issued_number_source(app, lambda user_id: (41, 2))
    data = {
        "invoice_prefix": "INV-",
        "credit_note_prefix": "CN-",
        "invoice_padding": "4",
        "next_invoice_number": "41",
        "next_credit_note_number": "3",
        "payment_terms_days": "30",
    }
    response = signed_in.submit(f"{PAGE}/invoices", data, form_page=PAGE)
    assert response.status_code == 400
    assert "higher than 41, the highest number already issued" in response.get_data(as_text=True)
    assert profile_of(user) is None
    data["next_invoice_number"] = "42"
    assert signed_in.submit(f"{PAGE}/invoices", data, form_page=PAGE).status_code == 302
    assert profile_of(user).next_invoice_number == 42
