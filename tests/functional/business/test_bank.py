"""Bank details: validated, encrypted at rest, masked on the page, revealed on request."""

from __future__ import annotations

import sqlalchemy as sa

PAGE = "/settings/business"
BANK = {
    "bank_account_name": "Ann Smith",
    "bank_sort_code": "60-16-13",
    "bank_account_number": "31926819",
    "bank_iban": "GB29 NWBK 6016 1331 9268 19",
    "bank_bic": "NWBKGB2L",
}


def save_bank(client, data=None):
    return client.submit(f"{PAGE}/bank", data or BANK, form_page=PAGE)


def test_saved_and_masked(signed_in, user, profile_of):
    assert save_bank(signed_in).status_code == 302
    profile = profile_of(user)
    assert profile.bank_sort_code == "601613"
    assert profile.bank_account_number == "31926819"
    assert profile.bank_iban == "GB29NWBK60161331926819"
    assert profile.bank_bic == "NWBKGB2L"
    page = signed_in.get(f"{PAGE}/bank").get_data(as_text=True)
    assert "••••6819" in page
    assert "31926819" not in page and "601613" not in page and "60-16-13" not in page
    assert "GB29NWBK60161331926819" not in page and "GB29 NWBK" not in page


def test_raw_rows_hold_no_secret_in_clear(app, signed_in, user):
    save_bank(signed_in)
    signed_in.submit(f"{PAGE}/vat", {"utr": "1955839661"}, form_page=PAGE)
    from minimin.extensions import db

    with app.app_context():
        rows = db.session.execute(sa.text("SELECT * FROM business_profile")).mappings().all()
        assert len(rows) == 1
        raw = " ".join(str(v) for v in rows[0].values())
        for secret in (
            "601613",
            "31926819",
            "GB29NWBK60161331926819",
            "NWBK6016",
            "NWBKGB2L",
            "1955839661",
            "Ann Smith",
        ):
            assert secret not in raw
        for column in ("bank_sort_code", "bank_account_number", "bank_iban", "utr"):
            assert str(rows[0][column]).startswith("v2:")


def test_reveal_shows_clear_values_and_is_audited(app, signed_in, user):
    save_bank(signed_in)
    response = signed_in.submit(f"{PAGE}/bank/reveal", {}, form_page=PAGE)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "60-16-13" in body and "31926819" in body and "GB29 NWBK 6016 1331 9268 19" in body
    assert response.headers["Cache-Control"] == "no-store"
    from minimin.core.audit import AuditEvent
    from minimin.extensions import db

    with app.app_context():
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.user_id == user.id)
        ).all()
    assert "business.bank_details_revealed" in actions
    assert "business.bank_details_changed" in actions


def test_reveal_needs_post_with_csrf(signed_in):
    save_bank(signed_in)
    assert signed_in.get(f"{PAGE}/bank/reveal").status_code == 405
    assert signed_in.post(f"{PAGE}/bank/reveal").status_code == 400


def test_blank_fields_keep_stored_values(signed_in, user, profile_of):
    save_bank(signed_in)
    r = save_bank(signed_in, {"bank_account_name": "Ann B Smith"})
    assert r.status_code == 302
    profile = profile_of(user)
    assert profile.bank_account_name == "Ann B Smith"
    assert profile.bank_account_number == "31926819"


def test_remove(signed_in, user, profile_of):
    save_bank(signed_in)
    signed_in.submit(f"{PAGE}/bank/remove", {}, form_page=PAGE)
    profile = profile_of(user)
    assert not profile.has_bank_details


def test_bad_values(signed_in, user, profile_of):
    cases = [
        ({**BANK, "bank_sort_code": "12345"}, "Enter a sort code of 6 digits, like 12-34-56."),
        ({**BANK, "bank_account_number": "1234567"}, "8 digits"),
        ({**BANK, "bank_account_number": "１２３４５６７８"}, "8 digits"),
        ({**BANK, "bank_iban": "GB29 NWBK 6016 1331 9268 18"}, "Enter a valid IBAN"),
        ({**BANK, "bank_bic": "NOTABIC!"}, "Enter a valid BIC"),
        ({"bank_sort_code": "123456"}, "account number that goes with the sort code"),
        (
            {"bank_account_number": "12345678", "bank_sort_code": "123456"},
            "Enter the name on the account",
        ),
    ]
    for data, message in cases:
        response = save_bank(signed_in, data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data
    assert profile_of(user) is None
