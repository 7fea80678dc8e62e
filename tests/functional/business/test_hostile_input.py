"""Hostile strings on every field of every business form: a clear message or a faithful round
trip, never a 500, never stored half-way, never reflected unescaped."""

from __future__ import annotations

from urllib.parse import quote

import pytest

PAGE = "/settings/business"
SETUP = f"{PAGE}/setup"

#: (path, fields, valid base data that the hostile value replaces one field of)
FORMS = [
    (f"{PAGE}/work-type", ["work_type"], {"work_type": "agency"}),
    (
        f"{PAGE}/details",
        [
            "business_name",
            "address_line1",
            "address_line2",
            "town",
            "postcode",
            "phone",
            "invoice_email",
            "website",
        ],
        {},
    ),
    (
        f"{PAGE}/vat",
        [
            "vat_number",
            "vat_registration_date",
            "vat_scheme",
            "flat_rate_percent",
            "vat_stagger",
            "utr",
            "vat_registered",
            "flat_rate_first_year",
        ],
        {},
    ),
    (
        f"{PAGE}/bank",
        ["bank_account_name", "bank_sort_code", "bank_account_number", "bank_iban", "bank_bic"],
        {"bank_account_name": "Ann", "bank_sort_code": "601613", "bank_account_number": "31926819"},
    ),
    (
        f"{PAGE}/accountant",
        ["accountant_name", "accountant_firm", "accountant_email", "accountant_phone"],
        {},
    ),
    (
        f"{PAGE}/invoices",
        [
            "invoice_prefix",
            "credit_note_prefix",
            "invoice_padding",
            "next_invoice_number",
            "next_credit_note_number",
            "payment_terms_days",
            "invoice_footer",
            "payment_notes",
            "late_payment_text",
        ],
        {
            "invoice_prefix": "INV-",
            "credit_note_prefix": "CN-",
            "invoice_padding": "4",
            "next_invoice_number": "1",
            "next_credit_note_number": "1",
            "payment_terms_days": "30",
        },
    ),
    (
        f"{PAGE}/rates",
        ["day_rate", "half_day_rate", "hourly_rate", "default_currency"],
        {"default_currency": "GBP"},
    ),
    (SETUP, ["step", "work_type"], {"step": "work_type", "work_type": "agency"}),
]

#: Raw (already percent-encoded) hostile values: NUL, a lone surrogate (invalid UTF-8 on the
#: wire), CR/LF, other controls, markup, 10k characters, 1 MB.
HOSTILE = {
    "nul": "a%00b",
    "lone_surrogate": "a%ED%A0%80b",
    "invalid_utf8": "%FF%FE%FD",
    "crlf": "line1%0D%0ALine2",
    "bell": "ring%07",
    "script": quote("<script>alert('x')</script>"),
    "rtl_override": quote("\u202eevil"),
    "long_10k": "x" * 10_000,
    "long_1mb": "y" * 1_000_000,
    "sql": quote("'; DROP TABLE business_profile; --"),
    "emoji": quote("😀" * 50),
}


def post_raw(client, path: str, body: dict[str, str]) -> object:
    token = client.csrf_token(PAGE)
    encoded = "&".join(f"{k}={v}" for k, v in {**body, "csrf_token": quote(token)}.items())
    return client.post(
        path, data=encoded.encode("ascii"), content_type="application/x-www-form-urlencoded"
    )


@pytest.mark.parametrize(("path", "fields", "base"), FORMS, ids=[f[0] for f in FORMS])
def test_hostile_values_on_every_field(app, signed_in, user, profile_of, path, fields, base):
    for field in fields:
        for label, raw in HOSTILE.items():
            before = profile_of(user)
            body = {k: quote(v) for k, v in base.items()}
            body[field] = raw
            response = post_raw(signed_in, path, body)
            where = f"{path} {field}={label}"
            assert response.status_code in (302, 400, 413), where
            text = response.get_data(as_text=True)
            assert "<script>alert(" not in text, where
            assert "Traceback" not in text, where
            if response.status_code == 400:
                after = profile_of(user)
                assert (before is None) == (after is None), where
                if before is not None:
                    assert before.updated_at == after.updated_at, where
            elif response.status_code == 302:
                # A stored value is a faithful, storable round trip: no NUL, no surrogate.
                profile = profile_of(user)
                assert profile is not None, where
                for column in profile.__table__.columns:
                    value = getattr(profile, column.key)
                    if isinstance(value, str):
                        assert "\x00" not in value, where
                        assert not any(0xD800 <= ord(c) <= 0xDFFF for c in value), where
                        assert len(value) <= 5000, where


def test_specific_messages_for_hostile_text(signed_in, user, profile_of):
    r = post_raw(signed_in, f"{PAGE}/details", {"business_name": "a%00b"})
    assert r.status_code == 400
    assert "null character" in r.get_data(as_text=True)
    r = post_raw(signed_in, f"{PAGE}/details", {"business_name": "line1%0D%0Aline2"})
    assert "control characters" in r.get_data(as_text=True)
    r = post_raw(signed_in, f"{PAGE}/details", {"town": "x" * 10_000})
    assert "Field cannot be longer than 100 characters" in r.get_data(as_text=True)
    assert profile_of(user) is None


def test_multiline_fields_keep_line_breaks(signed_in, user, profile_of):
    r = post_raw(
        signed_in,
        f"{PAGE}/invoices",
        {
            "invoice_prefix": "INV-",
            "credit_note_prefix": "CN-",
            "invoice_padding": "4",
            "next_invoice_number": "1",
            "next_credit_note_number": "1",
            "payment_terms_days": "30",
            "invoice_footer": quote("Line one\r\nLine two <b>& more</b>"),
        },
    )
    assert r.status_code == 302
    assert profile_of(user).invoice_footer == "Line one\r\nLine two <b>& more</b>"
    page = signed_in.get(f"{PAGE}/invoicing").get_data(as_text=True)
    assert "&lt;b&gt;&amp; more&lt;/b&gt;" in page
