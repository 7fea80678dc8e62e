"""The contacts model API that jobs and invoices rely on."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from minimin.contacts import services
from minimin.contacts.inputs import AgencyInput
from minimin.contacts.models import Agency, AgencyCommissionRate, Client


def test_commission_rate_for_falls_back_to_the_default():
    agency = Agency(name="A", default_commission_percent=Decimal("20"))
    agency.commission_rates = [
        AgencyCommissionRate(kind_of_work="editorial", percent=Decimal("10.000")),
    ]
    assert agency.commission_rate_for("editorial") == Decimal("10")
    assert agency.commission_rate_for("commercial") == Decimal("20")
    assert agency.commission_rate_for("") == Decimal("20")
    assert isinstance(agency.commission_rate_for("editorial"), Decimal)


def test_client_kind_decides_business_status():
    assert Client(name="X", kind="company").is_business
    assert not Client(name="Y", kind="individual").is_business


def test_rates_round_trip_exactly_through_the_database(app, make_user):
    from minimin.extensions import db

    user = make_user()
    with app.app_context():
        agency = services.create_agency(
            user.id,
            AgencyInput(
                name="Exact",
                default_commission_percent=Decimal("17.125"),
                commission_rates={"runway": Decimal("33.333"), "event": Decimal("0")},
            ),
        )
        db.session.commit()
        agency_id = agency.id
        db.session.expunge_all()
        loaded = db.session.get(Agency, agency_id)
        assert loaded.default_commission_percent == Decimal("17.125")
        assert loaded.commission_rate_for("runway") == Decimal("33.333")
        assert loaded.commission_rate_for("event") == Decimal("0")
        assert loaded.commission_rate_for("other") == Decimal("17.125")


def test_services_refuse_out_of_range_percentages_and_unknown_kinds(app, make_user):
    from minimin.extensions import db

    user = make_user()
    with app.app_context():
        with pytest.raises(ValueError):
            services.create_agency(
                user.id, AgencyInput(name="Bad", default_commission_percent=Decimal("101"))
            )
        db.session.rollback()
        with pytest.raises(ValueError):
            services.create_agency(
                user.id,
                AgencyInput(
                    name="Bad",
                    default_commission_percent=Decimal("10"),
                    commission_rates={"nonsense": Decimal("5")},
                ),
            )
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Agency)) == 0


def test_list_indexes_exist():
    names = {index.name for index in Client.__table__.indexes}
    assert "ix_client_user_id_name" in names
    names = {index.name for index in Agency.__table__.indexes}
    assert "ix_agency_user_id_name" in names
