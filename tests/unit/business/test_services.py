"""Business services against the database: sections, onboarding, numbering, key rotation."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from minimin.business import services
from minimin.business.models import DONE, SKIPPED, BusinessProfile
from minimin.business.rules import InvalidValue


@pytest.fixture
def owner(make_user):
    return make_user()


@pytest.fixture
def profile(app, db, owner):
    with app.test_request_context():
        yield services.get_or_create_profile(owner.id)


def test_one_profile_per_user(db, owner, profile):
    assert services.get_or_create_profile(owner.id) is profile
    db.session.add(BusinessProfile(user_id=owner.id))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


def test_defaults(profile):
    assert profile.invoice_prefix == "INV-"
    assert profile.payment_terms_days == 30
    assert profile.default_currency == "GBP"
    assert profile.format_invoice_number(profile.next_invoice_number) == "INV-0001"
    assert profile.format_credit_note_number(7) == "CN-0007"


def test_update_section_touches_only_its_fields(profile):
    changed = services.update_section(profile, "details", {"business_name": "Ann", "town": None})
    assert changed == ["business_name"]
    with pytest.raises(KeyError):
        services.update_section(profile, "details", {"bank_sort_code": "601613"})


def test_onboarding_steps(profile, owner):
    assert services.needs_onboarding(owner.id)
    assert services.advance_onboarding(profile, "work_type") == "details"
    assert services.advance_onboarding(profile, "work_type") == "details"  # going back is fine
    assert services.advance_onboarding(profile, "details") == "vat"
    assert services.advance_onboarding(profile, "vat") == DONE
    assert not services.needs_onboarding(owner.id)
    services.skip_onboarding(profile)
    assert profile.onboarding_step == DONE  # finishing is not undone by a late skip


def test_skip(profile, owner):
    services.skip_onboarding(profile)
    assert profile.onboarding_step == SKIPPED
    assert not services.needs_onboarding(owner.id)


def test_set_next_invoice_number(profile):
    services.set_next_invoice_number(profile, 100, highest_issued=10)
    assert profile.next_invoice_number == 100
    services.set_next_invoice_number(profile, 11, highest_issued=10)  # lowering to above is ok
    with pytest.raises(InvalidValue):
        services.set_next_invoice_number(profile, 10, highest_issued=10)
    with pytest.raises(InvalidValue):
        services.set_next_credit_note_number(profile, 0, highest_issued=0)
    assert profile.next_invoice_number == 11


def test_issued_number_sources(app, profile, owner):
    assert services.highest_issued_numbers(owner.id) == (0, 0)
    services.register_issued_number_source(app, lambda uid: (5, 1))
    services.register_issued_number_source(app, lambda uid: (3, 4))
    assert services.highest_issued_numbers(owner.id) == (5, 4)


def test_key_rotation_reencrypts_bank_details(app, db, profile, tmp_path):
    from minimin.config import DataKey
    from minimin.core.crypto import Keyring, keyring, place
    from minimin.core.rotation import encrypted_columns, rotate_all

    services.update_section(
        profile,
        "bank",
        {
            "bank_account_name": "Ann Smith",
            "bank_sort_code": "601613",
            "bank_account_number": "31926819",
            "bank_iban": "GB29NWBK60161331926819",
            "bank_bic": "NWBKGB2L",
        },
    )
    services.update_section(profile, "vat", {"utr": "1955839661"})
    db.session.commit()
    old = keyring()
    new_ring = Keyring([DataKey("k9", os.urandom(32)), *app.config["MINIMIN_SETTINGS"].data_keys])
    columns = [
        c for c in encrypted_columns(db.Model.metadata) if c.table.name == "business_profile"
    ]
    assert {c.column.name for c in columns} >= {
        "utr",
        "bank_account_name",
        "bank_sort_code",
        "bank_account_number",
        "bank_iban",
        "bank_bic",
    }
    counts = rotate_all(db.engine, new_ring, columns)
    assert sum(counts.values()) == 6
    raw = db.session.execute(
        sa.text("SELECT bank_sort_code, bank_account_number, utr FROM business_profile")
    ).one()
    for value in raw:
        assert value.startswith("v2:k9:")
    # Bound to its place: read with the table, column and row it belongs to.
    assert new_ring.decrypt(raw[0], place("business_profile", "bank_sort_code", profile.id)) == (
        "601613"
    )
    with pytest.raises(Exception):  # noqa: B017 - the old ring alone no longer reads them
        old.decrypt(raw[1], place("business_profile", "bank_account_number", profile.id))
